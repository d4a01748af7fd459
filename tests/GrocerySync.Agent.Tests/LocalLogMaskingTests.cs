using System.Collections.Concurrent;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Tests;

/// <summary>
/// The agent's local log (console, the journal under systemd) masks a run's secret settings like the lines sent to the
/// hub do: checked through the host's real console provider, with a formatter that records what it would print.
/// </summary>
public sealed partial class LocalLogMaskingTests
{
    [Fact]
    public async Task Console_lines_inside_a_run_have_secrets_masked_in_the_message_the_properties_and_the_exception()
    {
        await using var hub = await HubDouble.StartAsync();
        await using var agent = await TestAgent.EnrollAsync(hub);
        var printed = new ConcurrentQueue<Printed>();
        using var host = await AgentHost.BuildAsync(agent.Folder, TestAgent.FastSettings, services =>
        {
            services.AddSingleton<ConsoleFormatter>(new RecordingFormatter(printed));
            services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = RecordingFormatter.FormatterName);
        }, TestContext.Current.CancellationToken);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GrocerySync.Plugins.Test");
        const string secret = "s3cr3t+\"Pa55";
        var failure = new InvalidOperationException("login failed", new IOException($"server said: bad password {secret}"));

        using (var scope = RunScope.Enter(Guid.NewGuid()))
        {
            scope.MaskSecrets([secret]);
            LoginFailed(logger, failure, secret, "bob", 3);
        }

        Outside(logger, secret);

        var lines = printed.ToArray();
        Assert.Equal(2, lines.Length);
        var masked = lines[0];
        Assert.Equal("login with *** as bob failed after 3 attempts", masked.Message);
        Assert.Contains("bad password ***", masked.Exception, StringComparison.Ordinal);
        Assert.Contains(nameof(InvalidOperationException), masked.Exception, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, masked.Exception, StringComparison.Ordinal);
        Assert.Equal("***", masked.Properties["Password"]);
        Assert.Equal("bob", masked.Properties["User"]);
        Assert.Equal(3, masked.Properties["Attempts"]);
        Assert.Equal("login with {Password} as {User} failed after {Attempts} attempts", masked.Properties["{OriginalFormat}"]);

        // Outside a run nothing is known to mask (the agent's own lines name no plugin setting).
        Assert.Equal($"outside a run: {secret}", lines[1].Message);
    }

    [Fact]
    public void The_masking_console_provider_keeps_the_console_alias_so_its_settings_still_apply()
    {
        var alias = (ProviderAliasAttribute?)Attribute.GetCustomAttribute(typeof(MaskingLoggerProvider.MaskedConsole), typeof(ProviderAliasAttribute));
        Assert.Equal("Console", alias?.Alias);
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddConsole());
        MaskingLoggerProvider.ReplaceLocalProviders(services);
        using var provider = services.BuildServiceProvider();
        Assert.IsType<MaskingLoggerProvider.MaskedConsole>(Assert.Single(provider.GetServices<ILoggerProvider>()));
    }

    [Fact]
    public void A_filter_rule_keyed_on_the_replaced_provider_type_still_applies()
    {
        // As the host keys the Windows event log's Warning minimum on EventLogLoggerProvider.
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddConsole().AddFilter<ConsoleLoggerProvider>(level => level >= LogLevel.Warning));
        MaskingLoggerProvider.ReplaceLocalProviders(services);
        using var provider = services.BuildServiceProvider();

        var rules = provider.GetRequiredService<IOptions<LoggerFilterOptions>>().Value.Rules;
        var rule = Assert.Single(rules, r => r.Filter is not null);
        Assert.Equal(typeof(MaskingLoggerProvider.MaskedConsole).FullName, rule.ProviderName);
        Assert.DoesNotContain(rules, r => r.ProviderName == typeof(ConsoleLoggerProvider).FullName);
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("GrocerySync.Test");
        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Warning));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "login with {Password} as {User} failed after {Attempts} attempts")]
    private static partial void LoginFailed(ILogger logger, Exception exception, string password, string user, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "outside a run: {Value}")]
    private static partial void Outside(ILogger logger, string value);

    private sealed record Printed(string Message, string Exception, IReadOnlyDictionary<string, object?> Properties);

    /// <summary>Records what a console formatter is given (message, exception text, properties) and prints nothing.</summary>
    private sealed class RecordingFormatter(ConcurrentQueue<Printed> printed) : ConsoleFormatter(FormatterName)
    {
        public const string FormatterName = "recording";

        public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
        {
            if (!logEntry.Category.StartsWith("GrocerySync.Plugins.Test", StringComparison.Ordinal))
            {
                return;
            }

            var properties = logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value)
                : new Dictionary<string, object?>();
            printed.Enqueue(new Printed(logEntry.Formatter(logEntry.State, logEntry.Exception), logEntry.Exception?.ToString() ?? string.Empty, properties));
        }
    }
}
