using System.Collections;
using System.Globalization;
using System.Runtime.Versioning;
using GrocerySync.Agent.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Logging.EventLog;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Logging;

/// <summary>
/// A local log provider (the console, which is the journal under systemd, and the Windows event log) whose lines inside
/// a run have the run's secret setting values masked, in the message, in the property values a structured formatter
/// writes and in the exception text, as <see cref="OutboxLoggerProvider"/> masks the lines it sends to the hub: a
/// plugin's exception may repeat a password or a connection string. Outside a run, or before its plugins are known,
/// lines pass through untouched.
/// </summary>
internal abstract class MaskingLoggerProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    /// <summary>
    /// Replaces the host's console and event log providers with masking ones. Each keeps its alias
    /// (<c>Logging:Console</c>, <c>Logging:EventLog</c> settings apply as before), and filter rules the host keyed on
    /// the replaced type (the event log's Warning minimum) are moved to the masking one.
    /// </summary>
    public static void ReplaceLocalProviders(IServiceCollection services)
    {
        services.PostConfigure<LoggerFilterOptions>(options =>
        {
            for (var i = 0; i < options.Rules.Count; i++)
            {
                var rule = options.Rules[i];
                var replacement = rule.ProviderName == typeof(ConsoleLoggerProvider).FullName ? typeof(MaskedConsole)
                    : rule.ProviderName == typeof(EventLogLoggerProvider).FullName ? typeof(MaskedEventLog)
                    : null;
                if (replacement is not null)
                {
                    options.Rules[i] = new LoggerFilterRule(replacement.FullName, rule.CategoryName, rule.LogLevel, rule.Filter);
                }
            }
        });

        for (var i = 0; i < services.Count; i++)
        {
            var type = services[i].ServiceType == typeof(ILoggerProvider) ? services[i].ImplementationType : null;
            if (type == typeof(ConsoleLoggerProvider))
            {
                services[i] = ServiceDescriptor.Singleton<ILoggerProvider>(sp => new MaskedConsole(
                    new ConsoleLoggerProvider(sp.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), sp.GetServices<ConsoleFormatter>())));
            }
            else if (type == typeof(EventLogLoggerProvider) && OperatingSystem.IsWindows())
            {
                services[i] = ServiceDescriptor.Singleton<ILoggerProvider>(MaskedEventLog.Create);
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new MaskingLogger(inner.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    [ProviderAlias("Console")]
    internal sealed class MaskedConsole(ILoggerProvider inner) : MaskingLoggerProvider(inner);

    [ProviderAlias("EventLog")]
    internal sealed class MaskedEventLog(ILoggerProvider inner) : MaskingLoggerProvider(inner)
    {
        [SupportedOSPlatform("windows")]
        public static MaskedEventLog Create(IServiceProvider services) =>
            new(new EventLogLoggerProvider(services.GetRequiredService<IOptions<EventLogSettings>>()));
    }

    private sealed class MaskingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var secrets = RunScope.Secrets;
            if (secrets.Count == 0 || !inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var masked = new MaskedState(SecretValues.Mask(formatter(state, exception), secrets), state as IReadOnlyList<KeyValuePair<string, object?>>, secrets);
            inner.Log(logLevel, eventId, masked, exception is null ? null : new MaskedException(exception, secrets), static (s, _) => s.Message);
        }
    }

    /// <summary>The formatted message and the properties of a line, string values masked ("{OriginalFormat}", the template, kept).</summary>
    private sealed class MaskedState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _pairs;

        public MaskedState(string message, IReadOnlyList<KeyValuePair<string, object?>>? pairs, IReadOnlyList<string> secrets)
        {
            Message = message;
            _pairs = pairs is null ? [] : new KeyValuePair<string, object?>[pairs.Count];
            for (var i = 0; i < _pairs.Length; i++)
            {
                var (key, value) = pairs![i];
                _pairs[i] = new(key, key == "{OriginalFormat}" || value is null or ValueType ? value : SecretValues.Mask(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty, secrets));
            }
        }

        public string Message { get; }

        public int Count => _pairs.Length;

        public KeyValuePair<string, object?> this[int index] => _pairs[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_pairs).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }

    /// <summary>
    /// Stands in for a logged exception: formatters write <see cref="Exception.ToString"/> (type, message, inner
    /// exceptions, stack), here with the secrets masked.
    /// </summary>
#pragma warning disable CA1032, CA1064 // Never thrown or caught: only handed to a formatter.
    private sealed class MaskedException(Exception original, IReadOnlyList<string> secrets)
        : Exception(SecretValues.Mask(original.Message, secrets))
    {
        private readonly string _text = SecretValues.Mask(original.ToString(), secrets);

        public override string ToString() => _text;
    }
#pragma warning restore CA1032, CA1064
}
