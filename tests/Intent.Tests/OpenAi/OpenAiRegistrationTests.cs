using K8sAgentPlatform.Intent.OpenAi;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Intent.Tests.OpenAi;

public sealed class OpenAiRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddOpenAiIntentParser(configuration).BuildServiceProvider();
    }

    [Fact]
    public void Configuration_binds_from_the_OpenAI_section_with_the_briefs_defaults()
    {
        using var services = Build(new() { ["OpenAI:ApiKey"] = "sk-x", ["OpenAI:BaseUrl"] = "http://localhost:11434/v1" });

        services.GetRequiredService<IStartupValidator>().Validate();
        var options = services.GetRequiredService<IOptions<OpenAiOptions>>().Value;
        options.Model.ShouldBe("gpt-5.5");
        options.BaseUrl.ShouldBe("http://localhost:11434/v1");
        options.Temperature.ShouldBe(0.1f);
        options.MaxOutputTokens.ShouldBe(2000);
        options.Timeout.ShouldBe(TimeSpan.FromSeconds(30));
        options.MaxRetries.ShouldBe(3);
        services.GetRequiredService<OpenAiIntentParser>().IsConfigured.ShouldBeTrue();
    }

    [Fact]
    public void A_missing_key_is_no_start_failure_but_leaves_the_parser_unconfigured()
    {
        using var services = Build([]);

        services.GetRequiredService<IStartupValidator>().Validate();
        services.GetRequiredService<OpenAiIntentParser>().IsConfigured.ShouldBeFalse();
    }

    [Fact]
    public void Bad_values_fail_at_start_naming_each_key()
    {
        using var services = Build(new()
        {
            ["OpenAI:Model"] = "",
            ["OpenAI:Temperature"] = "5",
            ["OpenAI:MaxRetries"] = "-1",
            ["OpenAI:BaseUrl"] = "not a url",
            ["OpenAI:Timeout"] = "00:00:00.01",
        });

        var error = Should.Throw<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        error.Message.ShouldContain("Model");
        error.Message.ShouldContain("Temperature");
        error.Message.ShouldContain("MaxRetries");
        error.Message.ShouldContain("BaseUrl");
        error.Message.ShouldContain("Timeout");
    }
}
