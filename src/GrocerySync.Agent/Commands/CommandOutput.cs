using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GrocerySync.Agent.Commands;

/// <summary>The <c>--output json</c> document of a failed command.</summary>
internal sealed record FailureOutput(string Status, string Reason, string Message, int ExitCode);

/// <summary>Options and output shared by the agent's commands: <c>--config-dir</c>, <c>--output text|json</c>, failures without stack traces.</summary>
internal sealed class CommandOutput(TextWriter stdout, TextWriter stderr, string verb, bool json)
{
    public static Option<DirectoryInfo?> ConfigDirOption() => new("--config-dir")
    {
        Description = $"The agent folder (config, encrypted key, outbox, state). Default: ${Configuration.AgentFolder.EnvironmentVariable}, else {Configuration.AgentFolder.DefaultRoot()}.",
    };

    public static Option<string> OutputOption()
    {
        var option = new Option<string>("--output", "-o") { Description = "text for people, json for scripts.", DefaultValueFactory = _ => "text" };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }

    public bool Json => json;

    public TextWriter Out => stdout;

    public void Line(string text)
    {
        if (!json)
        {
            stdout.WriteLine(text);
        }
    }

    public void Document<T>(T value, JsonTypeInfo<T> type)
    {
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(value, type));
        }
    }

    /// <summary>Reports a failure the user must fix and returns its exit code.</summary>
    public int Fail(AgentFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new FailureOutput("failed", failure.Reason, failure.Message, failure.ExitCode), AgentJson.Default.FailureOutput));
        }

        stderr.WriteLine($"gsagent {verb}: {failure.Message}");
        return failure.ExitCode;
    }

    /// <summary>Runs a command body: <see cref="AgentFailure"/> and folder errors become a message and an exit code, never a stack trace.</summary>
    public async Task<int> RunAsync(Func<Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body();
        }
        catch (AgentFailure failure)
        {
            return Fail(failure);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Fail(new AgentFailure(ExitCodes.FolderOrSystemError, "permission-denied", $"{ex.Message} Run as the agent's service account or as root/administrator."));
        }
        catch (IOException ex)
        {
            return Fail(new AgentFailure(ExitCodes.FolderOrSystemError, "io", ex.Message));
        }
#pragma warning disable CA1031 // A bug still ends with one line and exit code 70, not a stack trace on the operator's screen.
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Fail(new AgentFailure(ExitCodes.InternalError, "internal-error", $"Internal error ({ex.GetType().Name}): {ex.Message}"));
        }
#pragma warning restore CA1031
    }
}
