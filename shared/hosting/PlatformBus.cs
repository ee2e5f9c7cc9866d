using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace K8sAgentPlatform.Hosting;

public static class PlatformBus
{
    /// <summary>
    /// The bus every service uses, in-memory or RabbitMQ by configuration, with the same consumers either
    /// way. Endpoints retry transient failures and hold publishes in an outbox until the consumer succeeds.
    /// Nothing relies on a message scheduler: Debian's RabbitMQ has no delayed-message plugin.
    /// The service's name (<paramref name="serviceName"/>) names the process's own temporary bus queue on RabbitMQ
    /// (<see cref="BusQueuePrefix"/>).
    /// </summary>
    public static IServiceCollection AddPlatformBus(this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator> register,
        string serviceName = "k8s-agent")
    {
        var options = configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new BusOptions();
        if (configuration["RABBITMQ_URL"] is { Length: > 0 } url && configuration[$"{BusOptions.Section}:RabbitMqUrl"] is null)
        {
            options.RabbitMqUrl = url;
        }

        Validator.ThrowIfInvalid(options);
        services.AddSingleton(Options.Create(options));
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(15);
        });

        services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.SetKebabCaseEndpointNameFormatter();
            register(x);
            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                endpoint.UseMessageRetry(r => r.Exponential(6, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(300)));
                endpoint.UseInMemoryOutbox(context);
                endpoint.UseConsumeFilter(typeof(RequestLogScope<>), context);
            });

            if (options.IsRabbitMq)
            {
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(options.RabbitMqUrl));
                    cfg.OverrideDefaultBusEndpointQueueName($"{BusQueuePrefix(serviceName)}{NewId.Next().ToString("N").ToLowerInvariant()}");
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
        return services;
    }

    /// <summary>
    /// The start of the name of the temporary queue (and exchange) MassTransit declares for each bus, one per process:
    /// by service instead of MassTransit's default (machine and process name), so each service's broker user may
    /// declare its own and no other (deploy/rabbitmq/permissions.json).
    /// </summary>
    public static string BusQueuePrefix(string serviceName) => $"{serviceName}_bus_";

    /// <summary>
    /// A service's command queue: named <paramref name="name"/> and bound to nothing but its own exchange, so only a
    /// sender that addresses it (the saga) reaches it; publishing a command reaches no one.
    /// </summary>
    public static Action<IEndpointRegistrationConfigurator> CommandQueue(string name) => endpoint =>
    {
        endpoint.Name = name;
        endpoint.ConfigureConsumeTopology = false;
    };

    private static class Validator
    {
        public static void ThrowIfInvalid(BusOptions options)
        {
            var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true))
            {
                throw new OptionsValidationException(BusOptions.Section, typeof(BusOptions), results.Select(r => r.ErrorMessage ?? "invalid"));
            }

            if (options.IsRabbitMq && !Uri.TryCreate(options.RabbitMqUrl, UriKind.Absolute, out _))
            {
                throw new OptionsValidationException(BusOptions.Section, typeof(BusOptions), [$"Bus:RabbitMqUrl '{options.RabbitMqUrl}' is not a URL such as amqp://guest:guest@127.0.0.1:5672/."]);
            }
        }
    }
}
