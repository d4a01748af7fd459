using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GrocerySync.Agent.Plugins;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Sync;

namespace GrocerySync.Agent.Commands;

/// <summary><c>gsagent sync SPEC</c>: runs one job spec locally, without a hub.</summary>
internal sealed class SyncCommand(TextWriter stdout, TextWriter stderr, TimeProvider timeProvider)
{
    private static readonly Argument<FileInfo> SpecArgument = new("spec") { Description = "The job spec (JSON); see docs/sync-spec.md." };

    private static readonly Option<string> OutputOption = new("--output", "-o")
    {
        Description = "Summary format: text for people, json for scripts.",
        DefaultValueFactory = _ => "text",
    };

    private static readonly Option<bool> ApproveOption = new("--approve") { Description = "Approve a run that changes or deletes more than the guard rail allows." };
    private static readonly Option<bool> FullOption = new("--full") { Description = "Send the whole catalog, not only changes (overrides the spec's mode)." };
    private static readonly Option<bool> NoProgressOption = new("--no-progress") { Description = "No progress bar, even on a terminal." };
    private static readonly Option<DirectoryInfo?> PluginsOption = new("--plugins")
    {
        Description = "A folder of plugin packages (<id>/<version>/, such as the hub's plugins folder): the spec's plugins that are not built in are loaded from it.",
    };

    private static readonly Option<FileInfo?> RejectsOption = new("--rejects") { Description = "Where to write every rejected row (TSV). Default: <stateFolder>/<job>.rejects.tsv." };

    public static Command Create()
    {
        OutputOption.AcceptOnlyFromAmong("text", "json");
        var command = new Command("sync", "Run one job spec now: read, validate, compare with the last run, write what changed.")
        {
            SpecArgument, OutputOption, ApproveOption, FullOption, NoProgressOption, PluginsOption, RejectsOption,
        };
        command.SetAction((parse, ct) => new SyncCommand(Console.Out, Console.Error, TimeProvider.System).RunAsync(
            new Options(
                parse.GetValue(SpecArgument)!,
                parse.GetValue(OutputOption) == "json",
                parse.GetValue(ApproveOption),
                parse.GetValue(FullOption),
                parse.GetValue(NoProgressOption),
                parse.GetValue(PluginsOption),
                parse.GetValue(RejectsOption)),
            ct));
        return command;
    }

    internal sealed record Options(FileInfo Spec, bool Json, bool Approve, bool Full, bool NoProgress, DirectoryInfo? Plugins, FileInfo? Rejects);

    public async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        SyncEngine.PrepareAhead(); // on a second core while this one reads the spec
        SyncJob job;
        try
        {
            job = await JobSpecReader.ReadFileAsync(options.Spec.FullName, cancellationToken: cancellationToken);
        }
        catch (PluginException ex)
        {
            return Fail(options, ExitCodes.InvalidSpec, ex.Message);
        }

        job = job with
        {
            ApproveLargeChange = options.Approve,
            Mode = options.Full ? SyncMode.Full : job.Mode,
        };

        var rejectsPath = options.Rejects?.FullName ?? Path.Combine(job.StateFolder, job.JobId + ".rejects.tsv");
        var registry = BuiltInPlugins.CreateRegistry();
        if (options.Plugins is { } plugins &&
            await LocalPluginFolder.LoadMissingAsync(registry, plugins.FullName, [job.Source.PluginId, job.Adapter.PluginId, job.Destination.PluginId], cancellationToken) is { } problem)
        {
            return Fail(options, ExitCodes.InvalidSpec, problem);
        }

        var engine = new SyncEngine(registry, timeProvider);
        SyncRunSummary summary;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(rejectsPath)!);
            await using var rejects = new RejectFile(rejectsPath);
            var interactive = !options.Json && !options.NoProgress && !Console.IsOutputRedirected && !Console.IsErrorRedirected;
            summary = interactive
                ? await ProgressDisplay.RunAsync(p => engine.RunAsync(job, p, rejects, cancellationToken))
                : await engine.RunAsync(job, null, rejects, cancellationToken);
        }
        catch (PluginException ex)
        {
            return Fail(options, ExitCodes.InvalidSpec, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(options, ExitCodes.RunFailed, ex.Message);
        }

        if (options.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(SyncOutput.From(summary, rejectsPath), AgentJsonContext.Default.SyncOutput));
        }
        else
        {
            WriteText(summary, rejectsPath);
        }

        return summary.Status switch
        {
            SyncRunStatus.Succeeded => ExitCodes.Success,
            SyncRunStatus.NeedsApproval => ExitCodes.NeedsApproval,
            SyncRunStatus.Cancelled => ExitCodes.Cancelled,
            _ => ExitCodes.RunFailed,
        };
    }

    private int Fail(Options options, int code, string message)
    {
        if (options.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new SyncOutput { Status = "invalid", Message = message }, AgentJsonContext.Default.SyncOutput));
        }

        stderr.WriteLine($"gsagent sync: {message}");
        return code;
    }

    private void WriteText(SyncRunSummary s, string rejectsPath)
    {
        var c = s.Counts;
        var w = s.Status == SyncRunStatus.Succeeded ? stdout : stderr;
        var inv = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(inv, $"{s.JobId}: {s.Status} ({s.Mode.ToString().ToLowerInvariant()}) in {s.Timings.Total.TotalSeconds:0.000} s"));
        if (s.Message is not null)
        {
            w.WriteLine(s.Message);
        }

        w.WriteLine(string.Create(inv, $"  read {c.Read:N0}  written {c.Written:N0}  deletions written {c.DeletionsWritten:N0}  rejected {c.Rejected:N0} ({s.RejectRate:P2})  filtered {c.Filtered:N0}"));
        w.WriteLine(string.Create(inv, $"  new {c.New:N0}  changed {c.Changed:N0}  unchanged {c.Unchanged:N0}  deleted {c.Deleted:N0}  catalog {c.PreviousCatalog:N0} -> {c.Catalog:N0}{(s.OrderChanged ? "  (row order changed)" : string.Empty)}"));
        w.WriteLine(string.Create(inv, $"  {c.BytesRead / 1e6:N1} MB read, {c.BytesWritten / 1e6:N1} MB written; state load {s.Timings.LoadState.TotalMilliseconds:N0} ms, stream {s.Timings.Stream.TotalMilliseconds:N0} ms, commit {s.Timings.Commit.TotalMilliseconds:N0} ms, state save {s.Timings.SaveState.TotalMilliseconds:N0} ms"));
        if (c.Rejected > 0)
        {
            foreach (var r in s.RejectSamples.Take(5))
            {
                w.WriteLine(string.Create(inv, $"  line {r.LineNumber}: {r.Field} {r.Reason}"));
            }

            w.WriteLine($"  every rejected row: {rejectsPath}");
        }
    }

    /// <summary>Writes every rejected row to a TSV file: line, field, reason, sku.</summary>
    private sealed class RejectFile : IRejectSink, IAsyncDisposable
    {
        private readonly StreamWriter _writer;

        public RejectFile(string path)
        {
            _writer = new StreamWriter(path, append: false) { NewLine = "\n" };
            _writer.WriteLine("line\tfield\treason\tsku");
        }

        public void OnRejected(RejectedRow row) =>
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.LineNumber}\t{row.Field}\t{Clean(row.Reason)}\t{Clean(row.Key)}"));

        public ValueTask DisposeAsync() => _writer.DisposeAsync();

        private static string Clean(string? s) => s is null ? string.Empty : s.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
    }
}

/// <summary>The <c>--output json</c> document.</summary>
internal sealed record SyncOutput
{
    public required string Status { get; init; }

    public string? Message { get; init; }

    public string? JobId { get; init; }

    public Guid? RunId { get; init; }

    public string? Mode { get; init; }

    public SyncCounts? Counts { get; init; }

    public double RejectRate { get; init; }

    public double ChangeShare { get; init; }

    public bool OrderChanged { get; init; }

    public Dictionary<string, double>? TimingsMs { get; init; }

    public IReadOnlyList<RejectedRow>? RejectSamples { get; init; }

    public IReadOnlyDictionary<string, long>? RejectsByField { get; init; }

    public string? RejectsFile { get; init; }

    public static SyncOutput From(SyncRunSummary s, string rejectsPath) => new()
    {
        Status = s.Status switch
        {
            SyncRunStatus.Succeeded => "succeeded",
            SyncRunStatus.NeedsApproval => "needs-approval",
            SyncRunStatus.Cancelled => "cancelled",
            _ => "failed",
        },
        Message = s.Message,
        JobId = s.JobId,
        RunId = s.RunId,
        Mode = s.Mode == SyncMode.Full ? "full" : "delta",
        Counts = s.Counts,
        RejectRate = s.RejectRate,
        ChangeShare = s.ChangeShare,
        OrderChanged = s.OrderChanged,
        TimingsMs = new()
        {
            ["total"] = s.Timings.Total.TotalMilliseconds,
            ["loadState"] = s.Timings.LoadState.TotalMilliseconds,
            ["stream"] = s.Timings.Stream.TotalMilliseconds,
            ["commit"] = s.Timings.Commit.TotalMilliseconds,
            ["saveState"] = s.Timings.SaveState.TotalMilliseconds,
        },
        RejectSamples = s.RejectSamples.Take(20).ToArray(),
        RejectsByField = s.RejectsByField,
        RejectsFile = s.Counts.Rejected > 0 ? rejectsPath : null,
    };
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SyncOutput))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
