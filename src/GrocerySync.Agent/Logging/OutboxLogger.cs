using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Outbox;
using GrocerySync.Agent.Plugins;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Agent.Logging;

/// <summary>
/// The run a piece of code works for: log lines written inside it carry the run id, and once the run's plugins are
/// known (<see cref="Handle.MaskSecrets"/>) the values of their secret settings are masked in those lines.
/// </summary>
internal static class RunScope
{
    private static readonly AsyncLocal<Handle?> Current = new();

    public static Guid? RunId => Current.Value?.RunId;

    /// <summary>Sets the run for the calling async flow (and what it starts) until disposed.</summary>
    public static Handle Enter(Guid runId)
    {
        var handle = new Handle(runId, Current.Value);
        Current.Value = handle;
        return handle;
    }

    /// <summary>The current run's secret setting values (none outside a run or before its plugins are known).</summary>
    public static IReadOnlyList<string> Secrets => Current.Value?.Secrets ?? [];

    /// <summary><paramref name="text"/> with the current run's secret setting values masked.</summary>
    public static string Mask(string text) => SecretValues.Mask(text, Secrets);

    internal sealed class Handle(Guid runId, Handle? previous) : IDisposable
    {
        public Guid RunId { get; } = runId;

        // Replaced whole, never changed in place: the flows of the run read it without a lock.
        private volatile IReadOnlyList<string> _secrets = [];

        public IReadOnlyList<string> Secrets => _secrets;

        /// <summary>From now on, masks these values in every line of the run (and in <see cref="Mask"/>).</summary>
        public void MaskSecrets(IReadOnlyList<string> values) => _secrets = values;

        public void Dispose() => Current.Value = previous;
    }
}

/// <summary>
/// Sends the agent's own log lines (from <see cref="AgentOptions.OutboxLogLevel"/>, Information by default) to the log
/// outbox, with the run id inside a run. Lines are queued in memory and written to the outbox in batches by
/// <see cref="OutboxLogPump"/>; if that queue overflows (the disk is much slower than the logging) the oldest lines are
/// dropped and counted like lines the disk cap drops.
/// </summary>
[ProviderAlias("Outbox")]
internal sealed class OutboxLoggerProvider : ILoggerProvider
{
    // Transport chatter would feed itself: every delivery would log lines that need delivering.
    private static readonly string[] QuietCategories = ["System.Net.Http.HttpClient", "Polly", "Microsoft.Extensions.Http"];

    private readonly TimeProvider _time;
    private long _overflow;

    /// <param name="time">Clock of the lines' timestamps.</param>
    /// <param name="minimumLevel">Lowest level sent (<see cref="AgentOptions.OutboxLogLevel"/>, read once at start).</param>
    /// <param name="capacity">Lines queued in memory before the oldest are dropped.</param>
    public OutboxLoggerProvider(TimeProvider time, LogLevel minimumLevel, int capacity = 50_000)
    {
        _time = time;
        MinimumLevel = minimumLevel;
        Lines = Channel.CreateBounded<AgentLogLine>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _overflow));
    }

    public Channel<AgentLogLine> Lines { get; }

    /// <summary>Lines dropped because the in-memory queue overflowed; taken (reset) by the pump.</summary>
    public long TakeOverflow() => Interlocked.Exchange(ref _overflow, 0);

    public ILogger CreateLogger(string categoryName) => new OutboxLogger(this, categoryName, QuietCategories.Any(q => categoryName.StartsWith(q, StringComparison.Ordinal)));

    public void Dispose() => Lines.Writer.TryComplete();

    private void Write(LogLevel level, string category, string message, string? properties)
    {
        var line = new AgentLogLine(0, RunScope.RunId, _time.GetUtcNow(), (LogSeverity)(int)level, category, RunScope.Mask(message), properties);
        Lines.Writer.TryWrite(line);
    }

    private sealed class OutboxLogger(OutboxLoggerProvider provider, string category, bool quiet) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel != LogLevel.None && logLevel >= (quiet ? LogLevel.Error : provider.MinimumLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null)
            {
                // The type and message only: a stack trace says nothing to the retailer and may be long.
                message = $"{message} ({exception.GetType().Name}: {exception.Message})";
            }

            provider.Write(logLevel, category, message, Properties(state, eventId));
        }

        private static string? Properties<TState>(TState state, EventId eventId)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> pairs || pairs.Count <= 1)
            {
                return eventId.Id == 0 ? null : string.Create(CultureInfo.InvariantCulture, $$"""{"eventId":{{eventId.Id}}}""");
            }

            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteNumber("eventId", eventId.Id);
                foreach (var (key, value) in pairs)
                {
                    if (key == "{OriginalFormat}" || key == "eventId")
                    {
                        continue;
                    }

                    switch (value)
                    {
                        case null:
                            json.WriteNull(key);
                            break;
                        case int or long or double or float or decimal or short or byte:
                            json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                            break;
                        case bool b:
                            json.WriteBoolean(key, b);
                            break;
                        default:
                            // Masked before JSON escaping, which would hide a secret with quotes or '+' from the mask.
                            json.WriteString(key, RunScope.Mask(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty));
                            break;
                    }
                }

                json.WriteEndObject();
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
    }

    private LogLevel MinimumLevel { get; }
}

/// <summary>Moves queued log lines into the outbox in batches. Registered first, so it stops last and keeps the shutdown lines.</summary>
internal sealed class OutboxLogPump(OutboxLoggerProvider provider, AgentOutbox outbox) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = provider.Lines.Reader;
        var batch = new List<AgentLogLine>(1000);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync(batch, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await DrainAsync(new List<AgentLogLine>(1000), cancellationToken);
    }

    private async Task DrainAsync(List<AgentLogLine> batch, CancellationToken cancellationToken)
    {
        var reader = provider.Lines.Reader;
        while (true)
        {
            batch.Clear();
            while (batch.Count < 1000 && reader.TryRead(out var line))
            {
                batch.Add(line);
            }

            if (batch.Count == 0)
            {
                return;
            }

            await outbox.AppendLogsAsync(batch, cancellationToken);
            var overflow = provider.TakeOverflow();
            if (overflow > 0)
            {
                await outbox.AddDroppedLinesAsync(overflow, cancellationToken);
            }
        }
    }
}
