using System.Net.Http.Json;
using System.Text.Json;
using K8sAgentPlatform.Contracts.Intent;
using K8sAgentPlatform.Intent.Tests;

namespace K8sAgentPlatform.EndToEnd.Tests;

/// <summary>
/// The offline parser's corpus through the distributed path: the first case of every category submitted as a dry run to
/// the API, parsed by the intent service process, and read back from the request as the saga stored it.
/// </summary>
public sealed class PhrasingCorpusTests(SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    public static TheoryData<string, string, string> FirstOfEachCategory
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var group in PhrasingCorpus.Load().GroupBy(c => c.Category))
            {
                var (category, text, expected) = group.First();
                data.Add(category, text, expected);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(FirstOfEachCategory))]
    public async Task The_first_phrasing_of_each_category_gives_the_same_operations_across_the_processes(string category, string text, string expected)
    {
        var platform = shared.Platform;
        var response = await platform.Api("admin").PostAsJsonAsync("/api/requests", new { text, dry_run = true }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetString()!;

        var request = await platform.WaitForFinalStateAsync(id);

        if (expected.StartsWith('!'))
        {
            request.GetProperty("state").GetString().ShouldBe("Failed", $"{category}: {request}");
            request.GetProperty("outcome").GetString()!.ShouldStartWith("not understood");
            string.Join("\n", request.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).Prepend(request.GetProperty("outcome").GetString()))
                .ShouldContain(expected[1..].Trim());
            return;
        }

        request.GetProperty("parser").GetString().ShouldBe("offline", $"{category}: {request}");
        var intent = IntentJson.Parse(request.GetProperty("intent").GetRawText());
        OperationText.Of(intent.Operations).ShouldBe(expected, $"{category}: {text}");
    }
}
