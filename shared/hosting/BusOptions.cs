using System.ComponentModel.DataAnnotations;

namespace K8sAgentPlatform.Hosting;

/// <summary>Which bus the services talk over (section "Bus").</summary>
public sealed class BusOptions
{
    public const string Section = "Bus";

    /// <summary>inmemory (one process: the embedded platform and tests) or rabbitmq (separate services).</summary>
    [Required, RegularExpression("^(inmemory|rabbitmq)$", ErrorMessage = "Bus:Transport must be 'inmemory' or 'rabbitmq'.")]
    public string Transport { get; set; } = "inmemory";

    /// <summary>The broker, e.g. amqp://guest:guest@127.0.0.1:5672/ (RABBITMQ_URL is read too).</summary>
    public string RabbitMqUrl { get; set; } = "amqp://guest:guest@127.0.0.1:5672/";

    public bool IsRabbitMq => string.Equals(Transport, "rabbitmq", StringComparison.OrdinalIgnoreCase);
}
