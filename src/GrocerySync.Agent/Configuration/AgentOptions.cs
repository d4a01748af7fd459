using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Configuration;

/// <summary>Settings of <c>gsagent run</c> (section <c>Agent</c>; documented in docs/agent.md).</summary>
internal sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>Runs executed at the same time.</summary>
    [Range(1, 64)]
    public int MaxConcurrentRuns { get; set; } = 2;

    /// <summary>On stop, how long running runs may take to finish before they are cancelled.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Disk cap of the outbox (run events and log lines waiting for the hub).</summary>
    [Range(64 * 1024, long.MaxValue)]
    public long OutboxMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Lowest level of the agent's own log lines that go to the hub.</summary>
    public Microsoft.Extensions.Logging.LogLevel OutboxLogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>How long the hub may hold a work poll.</summary>
    public TimeSpan WorkPollWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running run reports progress (at least every lease/3).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between two attempts when the hub is unreachable (the wait doubles from 1 s up to this).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries inside one hub call (standard resilience handler), before the caller backs off.</summary>
    [Range(0, 10)]
    public int HttpRetries { get; set; } = 3;

    /// <summary>First retry delay inside one hub call (exponential, jittered).</summary>
    public TimeSpan HttpRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events per delivered batch.</summary>
    [Range(1, 10_000)]
    public int EventBatchSize { get; set; } = 500;

    /// <summary>Log lines per delivered batch.</summary>
    [Range(1, 50_000)]
    public int LogBatchSize { get; set; } = 2000;

    /// <summary>Largest plugin package the agent downloads.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxPluginPackageBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Longest wait for a destination's connection test (plugin download not included) before it is reported as failed.</summary>
    public TimeSpan ConnectionTestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Folder that relative paths in job settings resolve against; the agent folder when empty.</summary>
    public string? BaseDirectory { get; set; }
}

/// <summary>Cross-field rules, reported all at once with their full keys.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <summary>Every problem: data annotations (with their full keys) and the cross-field rules.</summary>
    public static IReadOnlyList<string> All(AgentOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var all = results.Select(r => $"{AgentOptions.Section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}").ToList();
        if (new AgentOptionsValidator().Validate(null, options) is { Failed: true } cross)
        {
            all.AddRange(cross.Failures);
        }

        return all;
    }

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        void Positive(TimeSpan value, string key, TimeSpan max)
        {
            if (value <= TimeSpan.Zero || value > max)
            {
                errors.Add($"{AgentOptions.Section}:{key} must be more than 00:00:00 and at most {max:c} (is {value:c}).");
            }
        }

        Positive(options.ShutdownGracePeriod, nameof(options.ShutdownGracePeriod), TimeSpan.FromHours(1));
        Positive(options.ProgressInterval, nameof(options.ProgressInterval), TimeSpan.FromMinutes(5));
        Positive(options.RetryMaxDelay, nameof(options.RetryMaxDelay), TimeSpan.FromMinutes(10));
        Positive(options.HttpRetryDelay, nameof(options.HttpRetryDelay), TimeSpan.FromMinutes(1));
        Positive(options.ConnectionTestTimeout, nameof(options.ConnectionTestTimeout), TimeSpan.FromMinutes(5));
        if (options.WorkPollWait < TimeSpan.Zero || options.WorkPollWait > TimeSpan.FromSeconds(Contracts.Agents.AgentRoutes.MaxWaitSeconds))
        {
            errors.Add($"{AgentOptions.Section}:{nameof(options.WorkPollWait)} must be between 00:00:00 and 00:01:00 (the hub's longest wait; is {options.WorkPollWait:c}).");
        }

        if (options.OutboxLogLevel is < Microsoft.Extensions.Logging.LogLevel.Debug or > Microsoft.Extensions.Logging.LogLevel.Critical)
        {
            errors.Add($"{AgentOptions.Section}:{nameof(options.OutboxLogLevel)} must be one of Debug, Information, Warning, Error, Critical (is {options.OutboxLogLevel}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
