using System.Text.Json;
using GrocerySync.Agent.Logging;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Agent.Tests;

/// <summary>The agent's log lines to the hub: run id and secret masking inside a run scope.</summary>
public sealed partial class OutboxLoggerTests
{
    [Fact]
    public void Inside_a_run_secret_values_are_masked_in_the_message_and_in_property_values_before_JSON_escaping()
    {
        using var provider = new OutboxLoggerProvider(TimeProvider.System, LogLevel.Information);
        var logger = provider.CreateLogger("GrocerySync.Plugins.Test");
        const string secret = "p+ss\"word";
        var runId = Guid.NewGuid();

        using (var scope = RunScope.Enter(runId))
        {
            Refused(logger, "none", "alice"); // before the plugins are known
            scope.MaskSecrets([secret]);
            Refused(logger, secret, "bob");
        }

        Refused(logger, secret, "carol");

        Assert.True(provider.Lines.Reader.TryRead(out var first));
        Assert.True(provider.Lines.Reader.TryRead(out var masked));
        Assert.True(provider.Lines.Reader.TryRead(out var outside));
        Assert.Equal((runId, runId, null), (first.RunId, masked.RunId, outside.RunId));
        Assert.Equal("login refused with *** for bob", masked.Message);
        var properties = JsonDocument.Parse(masked.Properties!).RootElement;
        Assert.Equal("***", properties.GetProperty("Password").GetString());
        Assert.Equal("bob", properties.GetProperty("User").GetString());

        // Outside a run there is nothing to mask with (the agent's own lines name no plugin setting).
        Assert.Equal($"login refused with {secret} for carol", outside.Message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "login refused with {Password} for {User}")]
    private static partial void Refused(ILogger logger, string password, string user);
}
