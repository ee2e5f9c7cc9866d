namespace K8sAgentPlatform.Persistence.Protection;

/// <summary>
/// Encrypts values that must never rest in clear text (the data of Kubernetes Secrets). The context is bound to
/// the ciphertext (e.g. the snapshot id), so a protected value copied onto another document does not open.
/// </summary>
public interface IObjectProtector
{
    string Protect(string plaintext, string context);

    /// <summary>Throws <see cref="ObjectProtectionException"/> when the value was not made with this key and context.</summary>
    string Unprotect(string protectedValue, string context);
}

/// <summary>A protected value that cannot be opened: wrong key, wrong context, or altered bytes.</summary>
public sealed class ObjectProtectionException(string message, Exception? inner = null) : Exception(message, inner);
