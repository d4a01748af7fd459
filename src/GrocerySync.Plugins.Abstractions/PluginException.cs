namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// A failure the user must fix: wrong settings, a missing file, a column that is not in the export, a server
/// that refuses the credentials. Hosts show <see cref="Exception.Message"/> without a stack trace, so the message
/// must say what is wrong and, where possible, how to fix it. Never put a secret in the message.
/// </summary>
public class PluginException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PluginException()
    {
    }

    /// <summary>Creates the exception with a message for the user.</summary>
    public PluginException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the user and the underlying cause.</summary>
    public PluginException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
