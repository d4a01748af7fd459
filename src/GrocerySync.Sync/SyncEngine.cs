using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>
/// Runs a job: source → validate/normalise → filter → delta → adapter → destination, streaming with bounded memory.
/// Four stages joined by bounded channels: the source reads and parses; a second thread validates, filters and
/// hashes; the caller compares with the last state and formats; a fourth thread writes to the destination. The
/// destination commits first; the delta state is committed only after it, so a failed or
/// killed run never hides a change from the next one.
/// </summary>
/// <param name="registry">Where plugins come from.</param>
/// <param name="timeProvider">Clock.</param>
public sealed class SyncEngine(PluginRegistry registry, TimeProvider timeProvider)
{
    /// <summary>
    /// Part of the spec fingerprint. Bump when the content hash, the state semantics or what validation accepts change
    /// (a delta run skips validating rows whose mapped fields equal the last committed ones: <see cref="UnchangedProbe"/>);
    /// every record then counts as changed once, and the guard rail asks for approval.
    /// </summary>
    private const string ContentVersion = "content-v1";

    private const int FlushBytes = 1 << 20;

    // Source batches of about 1,700 catalog rows: with a batch (data, field ranges, records) in each of the four stages
    // and two in each channel, 1 MB batches cost 35 MB of memory; at this size the hand-overs are still negligible.
    private const int BatchBytes = 256 * 1024;

    // How far ahead the consumer prefetches the delta tracker's lookups: a few rows' formatting hides a cache miss.
    private const int PrefetchRows = 8;
    private const int MaxRejectSamples = 100;

    /// <summary>
    /// Starts compiling the engine's hot loops on a background thread, so a run that starts soon after does not wait
    /// for them. Call it as early as possible in a process about to run a job (a command line); <see cref="RunAsync"/>
    /// does the same for the engine and the job's plugins once it has them.
    /// </summary>
    public static void PrepareAhead() => _ = HotPaths.PrepareAhead(typeof(GroceryRecord).Assembly, typeof(SyncEngine).Assembly);

    /// <summary>Runs a job once.</summary>
    /// <exception cref="PluginException">The job cannot start: unknown plugin, invalid settings, state locked or damaged.</exception>
    public async Task<SyncRunSummary> RunAsync(SyncJob job, IProgress<SyncProgress>? progress = null, IRejectSink? rejects = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var started = timeProvider.GetTimestamp();
        var startedAt = timeProvider.GetUtcNow();
        var run = new RunState(job, Guid.CreateVersion7(startedAt), startedAt, rejects);

        if (string.IsNullOrWhiteSpace(job.JobId) || job.JobId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || job.JobId.StartsWith('.'))
        {
            throw new SyncConfigurationException($"Job id '{job.JobId}' must be a non-empty file name (letters, digits, '-', '_').");
        }

        if (job.MaxChangeShare is < 0 or > 1 || job.MaxRejectShare is < 0 or > 1)
        {
            throw new SyncConfigurationException("maxChangeShare and maxRejectShare are shares between 0 and 1 (0.3 = 30%).");
        }

        var normalizer = new RecordNormalizer(job.Currency);
        await using var source = registry.CreateSource(job.Source.PluginId, job.Source.Settings, job.BaseDirectory);
        var adapter = registry.CreateAdapter(job.Adapter.PluginId, job.Adapter.Settings, job.BaseDirectory);
        await using var destination = registry.CreateDestination(job.Destination.PluginId, job.Destination.Settings, job.BaseDirectory);
        _ = HotPaths.PrepareAhead(source.GetType().Assembly, typeof(GroceryRecord).Assembly, typeof(SyncEngine).Assembly, adapter.GetType().Assembly, destination.GetType().Assembly);

        var stateFolder = Path.GetFullPath(job.StateFolder, job.BaseDirectory ?? Environment.CurrentDirectory);
        Directory.CreateDirectory(stateFolder);
        using var jobLock = AcquireLock(stateFolder, job.JobId);

        var t0 = timeProvider.GetTimestamp();
        var statePath = DeltaState.PathFor(stateFolder, job.JobId);
        DeltaState.DeleteLeftovers(statePath);
        var old = DeltaState.Load(statePath);
        var fingerprint = Fingerprint(job);
        run.LoadState = timeProvider.GetElapsedTime(t0);
        var tracker = new DeltaTracker(old, contentComparable: old?.SpecFingerprint == fingerprint);
        run.Tracker = tracker;

        var since = job.Filters.ChangedSince ?? (job.Filters.ChangedSinceLastRun ? old?.RunStartedAt : null);
        var probe = UnchangedProbe.For(job, old, tracker.UsedContentHashes, since);
        var context = new DestinationContext(job.JobId, run.RunId, job.Mode == SyncMode.Delta, adapter.ContentType, adapter.FileExtension, startedAt);
        IDestinationTransaction? tx = null;
        Task<string>? staged = null;
        var committed = false;
        try
        {
            tx = await destination.BeginAsync(context, cancellationToken);
            t0 = timeProvider.GetTimestamp();
            var outcome = await StreamAsync(run, source, adapter, tx, normalizer, new RecordFilter(job.Filters), since, probe, progress, started, cancellationToken);
            run.Stream = timeProvider.GetElapsedTime(t0);
            if (outcome is not null)
            {
                await tx.RollbackAsync(CancellationToken.None);
                return run.Summary(outcome.Value.Status, outcome.Value.Message, timeProvider.GetElapsedTime(started));
            }

            // The new state is written to a temporary file while the destination commits (both mostly wait for the
            // disk); it replaces the old state only after the destination has committed.
            var next = tracker.Build(fingerprint, timeProvider.GetUtcNow(), startedAt);
            staged = Task.Run(
                () =>
                {
                    var s0 = timeProvider.GetTimestamp();
                    var temporary = next.WriteTemporary(statePath);
                    run.SaveState = timeProvider.GetElapsedTime(s0);
                    return temporary;
                },
                CancellationToken.None);

            t0 = timeProvider.GetTimestamp();
            await tx.CommitAsync(cancellationToken);
            committed = true;
            run.Commit = timeProvider.GetElapsedTime(t0);
        }
        catch (Exception ex) when (ex is PluginException or IOException or UnauthorizedAccessException or OperationCanceledException or ChannelClosedException)
        {
            if (tx is not null)
            {
                await tx.RollbackAsync(CancellationToken.None);
            }

            var cancelled = ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
            return run.Summary(cancelled ? SyncRunStatus.Cancelled : SyncRunStatus.Failed, cancelled ? "The run was cancelled; nothing was published." : ex.Message, timeProvider.GetElapsedTime(started));
        }
        finally
        {
            if (tx is not null)
            {
                await tx.DisposeAsync();
            }

            if (!committed && staged is not null)
            {
                await DiscardAsync(staged);
            }
        }

        try
        {
            var temporary = await staged;
            t0 = timeProvider.GetTimestamp();
            DeltaState.Publish(temporary, statePath);
            run.SaveState += timeProvider.GetElapsedTime(t0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return run.Summary(SyncRunStatus.Failed, $"Published, but the delta state could not be saved ({ex.Message}); the next run sends these changes again.", timeProvider.GetElapsedTime(started));
        }

        return run.Summary(SyncRunStatus.Succeeded, null, timeProvider.GetElapsedTime(started));
    }

    /// <summary>Deletes the new state's temporary file of a run that did not commit.</summary>
    private static async Task DiscardAsync(Task<string> staged)
    {
        try
        {
            File.Delete(await staged);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not written (WriteTemporary removes its own file when it fails) or not removable: the next run under
            // this job's lock deletes leftovers.
        }
    }

    private async Task<(SyncRunStatus Status, string Message)?> StreamAsync(
        RunState run, ISourceConnector source, IAdapter adapter, IDestinationTransaction tx, RecordNormalizer normalizer,
        RecordFilter filter, DateTimeOffset? since, UnchangedProbe? probe, IProgress<SyncProgress>? progress, long started, CancellationToken ct)
    {
        var job = run.Job;
        var tracker = run.Tracker!;
        var channel = Channel.CreateBounded<PreparedBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var prepared = new ConcurrentQueue<PreparedBatch>();
        var sourceContext = new EngineSourceContext(job.Mapping, run);
        var hashedSlots = job.Mapping.Fields.Count == 0
            ? Enumerable.Range(0, job.Mapping.SlotCount).ToArray()
            : [.. job.Mapping.Fields.Keys.Select(f => (int)f).Order(), .. Enumerable.Range(CanonicalFields.Count, job.Mapping.Attributes.Count)];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        // Source stage: read and parse. Prepare stage: validate, filter and hash each batch. Two threads rather than
        // one, because every row needs both while a delta run has little else to do; the consumer only compares,
        // formats and hands output to the writer stage.
        var parsed = Channel.CreateBounded<SourceBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var sourceStage = Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var batch in source.ReadAsync(sourceContext, stop.Token).WithCancellation(stop.Token))
                    {
                        await parsed.Writer.WriteAsync(batch, stop.Token);
                    }

                    parsed.Writer.TryComplete();
                }
                catch (Exception ex)
                {
                    parsed.Writer.TryComplete(ex);
                }
            },
            CancellationToken.None);

        var prepareStage = Task.Run(
            async () =>
            {
                try
                {
                    var keyScratch = new byte[RecordNormalizer.MaxSkuBytes + 1 + 256];
                    var hashScratch = new byte[4096];
                    await foreach (var batch in parsed.Reader.ReadAllAsync(stop.Token))
                    {
                        var p = prepared.TryDequeue(out var reused) ? reused : new PreparedBatch();
                        p.Reset(batch);
                        Prepare(p, job, normalizer, filter, since, probe, hashedSlots, keyScratch, ref hashScratch);
                        await channel.Writer.WriteAsync(p, stop.Token);
                    }

                    channel.Writer.TryComplete();
                }
                catch (Exception ex)
                {
                    channel.Writer.TryComplete(ex);
                }
            },
            CancellationToken.None);

        // Writer stage: destination writes (about 150 MB into the page cache for a full run of a million rows) run on
        // their own thread, so formatting never waits for them. Filled buffers go over a bounded channel and come back
        // through the free list, so at most four buffers exist. A failed write completes the channel with the
        // destination's exception; the consumer sees it at its next hand-over and the run rolls back.
        var writes = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var freeBuffers = new ConcurrentQueue<OutputBuffer>();
        var writeStage = Task.Run(
            async () =>
            {
                try
                {
                    var sequence = 0L;
                    await foreach (var write in writes.Reader.ReadAllAsync(stop.Token))
                    {
                        await tx.WriteAsync(new DestinationBatch(write.Buffer.WrittenMemory, write.RecordCount, sequence++, write.IsLast), stop.Token);
                        run.AddBytesWritten(write.Buffer.WrittenCount);
                        write.Buffer.Clear();
                        freeBuffers.Enqueue(write.Buffer);
                    }
                }
                catch (Exception ex)
                {
                    writes.Writer.TryComplete(ex);
                    throw;
                }
            },
            CancellationToken.None);

        var output = NewOutputBuffer();
        var reserved = false;
        var pendingRecords = 0;
        var lastProgress = started;
        var full = job.Mode == SyncMode.Full;
        var previous = tracker.PreviousCount;
        var changeLimit = job.ApproveLargeChange || previous == 0 ? long.MaxValue : (long)Math.Floor(job.MaxChangeShare * previous);

        async ValueTask FlushAsync(bool last)
        {
            if (output.WrittenCount == 0 && !last)
            {
                return;
            }

            try
            {
                await writes.Writer.WriteAsync(new PendingWrite(output, pendingRecords, last), ct);
            }
            catch (ChannelClosedException)
            {
                await writeStage; // throws the destination's own exception
                throw;
            }

            output = freeBuffers.TryDequeue(out var free) ? free : NewOutputBuffer();
            pendingRecords = 0;
        }

        try
        {
            adapter.WriteHeader(output);
            var reader = channel.Reader;
            while (await reader.WaitToReadAsync(ct))
            {
                while (reader.TryRead(out var p))
                {
                    foreach (var reject in p.Rejects)
                    {
                        run.Reject(reject);
                    }

                    run.Read += p.Count;
                    run.Filtered += p.Filtered;
                    pendingRecords += Consume(p, run, tracker, adapter, output, full);

                    if (!reserved)
                    {
                        reserved = true;
                        ReserveState(tracker, run.TotalBytes, p.Batch.DataLength, p.Count);
                    }

                    run.ReturnBatch(p.Batch);
                    prepared.Enqueue(p);
                    if (run.Changed > changeLimit && tracker.UsedContentHashes)
                    {
                        return (SyncRunStatus.NeedsApproval, GuardRailMessage(run, previous, run.Changed, 0));
                    }

                    if (output.WrittenCount >= FlushBytes)
                    {
                        await FlushAsync(false);
                    }

                    var now = timeProvider.GetTimestamp();
                    if (progress is not null && timeProvider.GetElapsedTime(lastProgress, now) >= TimeSpan.FromMilliseconds(100))
                    {
                        lastProgress = now;
                        progress.Report(run.Progress(timeProvider.GetElapsedTime(started, now)));
                    }
                }
            }

            await prepareStage;
            tracker.ResolveDeferredCarries();

            var changedForGuard = tracker.UsedContentHashes ? run.Changed : 0;
            if (changedForGuard + tracker.DeletedCount > changeLimit)
            {
                return (SyncRunStatus.NeedsApproval, GuardRailMessage(run, previous, changedForGuard, tracker.DeletedCount));
            }

            var read = run.Read + run.SourceRejected;
            if (read > 0 && (double)run.Rejected / read > job.MaxRejectShare)
            {
                return (SyncRunStatus.Failed, string.Create(
                    CultureInfo.InvariantCulture,
                    $"{run.Rejected:N0} of {read:N0} rows were rejected ({(double)run.Rejected / read:P1}), above the limit of {job.MaxRejectShare:P1} (maxRejectShare). Nothing was published; see the rejected rows."));
            }

            if (!full)
            {
                foreach (var position in tracker.DeletedPositions())
                {
                    var before = output.WrittenCount;
                    adapter.WriteDeletion(tracker.GetPreviousKey(position), output);
                    if (output.WrittenCount > before)
                    {
                        run.DeletionsWritten++;
                        pendingRecords++;
                    }

                    if (output.WrittenCount >= FlushBytes)
                    {
                        await FlushAsync(false);
                    }
                }
            }

            adapter.WriteFooter(output);
            await FlushAsync(true);

            // Try: the writer stage may already have failed on the last buffer and closed the channel with its
            // exception, which awaiting it then rethrows (Complete would throw "the channel has been closed" instead).
            writes.Writer.TryComplete();
            await writeStage;
            progress?.Report(run.Progress(timeProvider.GetElapsedTime(started)));
            return null;
        }
        finally
        {
            writes.Writer.TryComplete();
            await stop.CancelAsync();

            // After a failure or an early stop the run is rolled back: what the other stages ended with no longer
            // matters (a destination failure has already surfaced through FlushAsync), but they must have stopped
            // touching the source and the transaction first.
            await Task.WhenAll(sourceStage, prepareStage, writeStage).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Sizes the new state from the source's size and the first batch's bytes per row: a first run of a million rows
    /// otherwise grows its arrays six times (copying them and touching twice the memory). Space reserved beyond the
    /// rows that come is never touched, so an estimate on the high side costs no resident memory.
    /// </summary>
    private static void ReserveState(DeltaTracker tracker, long totalBytes, int batchBytes, int batchRows)
    {
        if (totalBytes <= 0 || batchBytes <= 0 || batchRows == 0)
        {
            return;
        }

        var expected = (long)(totalBytes / ((double)batchBytes / batchRows));
        tracker.Reserve((int)Math.Min(expected, Array.MaxLength / 8));
    }

    private static OutputBuffer NewOutputBuffer() => new(FlushBytes + (FlushBytes / 4));

    /// <summary>
    /// Compares one prepared batch with the last state and formats what is to be sent into <paramref name="output"/>;
    /// returns the records written. Synchronous and compiled fully optimised from its first call, as the per-batch
    /// loops of the other stages are: tiered compilation would leave it in start-up code for much of a short run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Consume(PreparedBatch p, RunState run, DeltaTracker tracker, IAdapter adapter, OutputBuffer output, bool full)
    {
        var written = 0;
        var status = p.Status;
        for (var row = 0; row < p.Count; row++)
        {
            if (row + PrefetchRows < p.Count)
            {
                tracker.Prefetch(p.KeyHashes[row + PrefetchRows]);
            }

            switch (status[row])
            {
                case RowStatus.Candidate or RowStatus.Unchanged:
                    break;
                case RowStatus.Rejected or RowStatus.Carried:
                    var k = p.GetKey(row);
                    if (!k.IsEmpty)
                    {
                        tracker.Carry(p.KeyHashes[row], k);
                    }

                    continue;
                default:
                    continue;
            }

            var record = p.Records[row];
            var keyHash = p.KeyHashes[row];
            var contentHash = p.ContentHashes[row];
            var decision = tracker.Classify(keyHash, contentHash, out var oldPosition);
            if (decision == DeltaDecision.Duplicate)
            {
                run.Reject(new RejectedRow(record.LineNumber, "sku", "duplicate key: the same record appears earlier in this run", KeyText(record.Sku)));
                continue;
            }

            if (status[row] == RowStatus.Unchanged && decision != DeltaDecision.Unchanged)
            {
                // The probe and the comparison read the same previous state; a record that was never validated must
                // not reach the channel if they ever disagree.
                throw new PluginException($"Internal error at line {record.LineNumber}: the unchanged-row probe and the delta comparison disagree ({decision}); nothing was published.");
            }

            if (full || decision != DeltaDecision.Unchanged)
            {
                var mark = output.WrittenCount;
                if (!adapter.WriteRecord(record, output, out var why))
                {
                    output.Truncate(mark);
                    run.Reject(new RejectedRow(record.LineNumber, "adapter", why ?? "the channel cannot take this record", KeyText(record.Sku)));
                    tracker.Carry(keyHash, p.GetKey(row));
                    continue;
                }

                run.Written++;
                written++;
            }

            tracker.Accept(oldPosition, keyHash, contentHash, p.GetKey(row));
            switch (decision)
            {
                case DeltaDecision.New: run.New++; break;
                case DeltaDecision.Changed: run.Changed++; break;
                default: run.Unchanged++; break;
            }
        }

        return written;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Prepare(
        PreparedBatch p, SyncJob job, RecordNormalizer normalizer, RecordFilter filter, DateTimeOffset? since, UnchangedProbe? probe,
        int[] hashedSlots, byte[] keyScratch, ref byte[] hashScratch)
    {
        var batch = p.Batch;
        var attributeNames = job.Mapping.AttributeNames;
        for (var row = 0; row < p.Count; row++)
        {
            var record = p.Records[row];
            record.Bind(batch, row, attributeNames);
            var key = BuildKey(record, job.Key, keyScratch);
            p.SetKey(row, key);
            var keyHash = key.IsEmpty ? 0 : XxHash3.HashToUInt64(key);
            p.KeyHashes[row] = keyHash;
            if (probe is not null && !key.IsEmpty)
            {
                // The hash covers the fields as read, so it can be taken before validation.
                var contentHash = ContentHash(record, hashedSlots, ref hashScratch);
                p.ContentHashes[row] = contentHash;
                if (probe.IsUnchanged(keyHash, contentHash))
                {
                    p.Status[row] = RowStatus.Unchanged;
                    continue;
                }
            }

            if (!normalizer.TryNormalize(record, out var field, out var reason))
            {
                p.Status[row] = RowStatus.Rejected;
                p.Rejects.Add(new RejectedRow(record.LineNumber, CanonicalFields.GetName(field), reason!, KeyText(record.Sku)));
                continue;
            }

            if (!filter.Keep(record))
            {
                p.Status[row] = RowStatus.Filtered;
                p.Filtered++;
                continue;
            }

            if (since is { } s && record.UpdatedAt is { } updated && updated < s)
            {
                p.Status[row] = RowStatus.Carried;
                p.Filtered++;
                continue;
            }

            if (probe is null)
            {
                p.ContentHashes[row] = ContentHash(record, hashedSlots, ref hashScratch);
            }

            p.Status[row] = RowStatus.Candidate;
        }
    }

    private static string GuardRailMessage(RunState run, long previous, long changed, long deleted) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"Guard rail: this run would change {changed:N0} and delete {deleted:N0} of {previous:N0} records ({(double)(changed + deleted) / previous:P1}{(deleted == previous ? ", every record: is the export empty?" : string.Empty)}), more than the allowed {run.Job.MaxChangeShare:P0} (maxChangeShare). Nothing was published. If this is intended, run again with approval (--approve).");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<byte> BuildKey(GroceryRecord r, RecordKeyKind kind, byte[] scratch)
    {
        var sku = r.Sku;
        if (sku.Length > RecordNormalizer.MaxSkuBytes)
        {
            return default;
        }

        if (kind == RecordKeyKind.Sku)
        {
            return sku;
        }

        var store = r.StoreId;
        if (store.Length > 256)
        {
            store = store[..256];
        }

        sku.CopyTo(scratch);
        scratch[sku.Length] = 0x1F;
        store.CopyTo(scratch.AsSpan(sku.Length + 1));
        return scratch.AsSpan(0, sku.Length + 1 + store.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong ContentHash(GroceryRecord record, int[] slots, ref byte[] scratch)
    {
        var n = 0;
        foreach (var slot in slots)
        {
            var f = slot < CanonicalFields.Count ? record.GetText((CanonicalField)slot) : record.GetAttributeValue(slot - CanonicalFields.Count);
            if (scratch.Length - n < f.Length + 1)
            {
                Array.Resize(ref scratch, Math.Max(scratch.Length * 2, n + f.Length + 1));
            }

            f.CopyTo(scratch.AsSpan(n));
            n += f.Length;
            scratch[n++] = 0x1F;
        }

        return XxHash3.HashToUInt64(scratch.AsSpan(0, n));
    }

    private static string? KeyText(ReadOnlySpan<byte> sku) => sku.IsEmpty ? null : Encoding.UTF8.GetString(sku.Length > 80 ? sku[..80] : sku);

    internal static ulong Fingerprint(SyncJob job)
    {
        var sb = new StringBuilder(ContentVersion).Append('|').Append(job.Key).Append('|').Append(job.Currency.ToUpperInvariant()).Append('|');
        foreach (var (f, c) in job.Mapping.Fields.OrderBy(p => p.Key))
        {
            sb.Append(f).Append('=').Append(c).Append(';');
        }

        foreach (var (a, c) in job.Mapping.Attributes)
        {
            sb.Append('@').Append(a).Append('=').Append(c).Append(';');
        }

        var filters = job.Filters;
        sb.Append('|').AppendJoin(',', filters.Departments).Append('|').AppendJoin(',', filters.Categories).Append('|')
            .AppendJoin(',', filters.Stores).Append('|').Append(filters.ActiveOnly).Append('|').Append(job.Adapter.PluginId).Append('|');
        foreach (var (k, v) in job.Adapter.Settings.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            sb.Append(k.ToUpperInvariant()).Append('=').Append(v).Append(';');
        }

        return XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    private static FileStream AcquireLock(string stateFolder, string jobId)
    {
        var path = Path.Combine(stateFolder, jobId + ".lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException ex)
        {
            throw new SyncConfigurationException($"Another run of job '{jobId}' holds {path}; wait for it to finish.", ex);
        }
    }

    /// <summary>Mutable counters of one run.</summary>
    private sealed class RunState(SyncJob job, Guid runId, DateTimeOffset startedAt, IRejectSink? sink)
    {
        private readonly Lock _rejectLock = new();
        private readonly List<RejectedRow> _samples = [];
        private readonly Dictionary<string, long> _byField = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<SourceBatch> _pool = new();
        private long _rejected;
        private long _bytesRead;
        private long _bytesWritten;
        private long _totalBytes;

        public SyncJob Job { get; } = job;

        public Guid RunId { get; } = runId;

        public DeltaTracker? Tracker { get; set; }

        public long Read { get; set; }

        public long SourceRejected { get; private set; }

        public long Rejected => Interlocked.Read(ref _rejected);

        public long Filtered { get; set; }

        public long New { get; set; }

        public long Changed { get; set; }

        public long Unchanged { get; set; }

        public long Written { get; set; }

        public long DeletionsWritten { get; set; }

        public long BytesWritten => Interlocked.Read(ref _bytesWritten);

        public long BytesRead => Interlocked.Read(ref _bytesRead);

        public TimeSpan LoadState { get; set; }

        public TimeSpan Stream { get; set; }

        public TimeSpan Commit { get; set; }

        public TimeSpan SaveState { get; set; }

        public void AddBytesRead(long n) => Interlocked.Add(ref _bytesRead, n);

        public void AddBytesWritten(long n) => Interlocked.Add(ref _bytesWritten, n);

        /// <summary>The source's whole size in bytes, if it told (0 otherwise).</summary>
        public long TotalBytes
        {
            get => Interlocked.Read(ref _totalBytes);
            set => Interlocked.Exchange(ref _totalBytes, value);
        }

        public void Reject(RejectedRow row, bool fromSource = false)
        {
            Interlocked.Increment(ref _rejected);
            lock (_rejectLock)
            {
                if (fromSource)
                {
                    SourceRejected++;
                }

                if (_samples.Count < MaxRejectSamples)
                {
                    _samples.Add(row);
                }

                _byField[row.Field] = _byField.GetValueOrDefault(row.Field) + 1;
                sink?.OnRejected(row);
            }
        }

        public SourceBatch RentBatch(int slots) => _pool.TryDequeue(out var b) ? b : new SourceBatch(slots, BatchBytes);

        public void ReturnBatch(SourceBatch batch)
        {
            batch.Clear();
            if (_pool.Count < 8)
            {
                _pool.Enqueue(batch);
            }
        }

        public SyncProgress Progress(TimeSpan elapsed) =>
            new(Read + SourceRejected, Written + DeletionsWritten, Rejected, BytesRead, BytesWritten, elapsed) { TotalBytes = TotalBytes };

        public SyncRunSummary Summary(SyncRunStatus status, string? message, TimeSpan total)
        {
            var previous = Tracker?.PreviousCount ?? 0;
            var deleted = Tracker?.DeletedCount ?? 0;
            var changedForGuard = Tracker?.UsedContentHashes == true ? Changed : 0;
            List<RejectedRow> samples;
            Dictionary<string, long> byField;
            lock (_rejectLock)
            {
                samples = [.. _samples.OrderBy(r => r.LineNumber)];
                byField = new Dictionary<string, long>(_byField, StringComparer.Ordinal);
            }

            return new SyncRunSummary
            {
                RunId = RunId,
                JobId = Job.JobId,
                Mode = Job.Mode,
                Status = status,
                Message = message,
                StartedAt = startedAt,
                Counts = new SyncCounts
                {
                    Read = Read + SourceRejected,
                    Rejected = Rejected,
                    Filtered = Filtered,
                    New = New,
                    Changed = Changed,
                    Unchanged = Unchanged,
                    Deleted = deleted,
                    Written = status == SyncRunStatus.Succeeded ? Written : 0,
                    DeletionsWritten = status == SyncRunStatus.Succeeded ? DeletionsWritten : 0,
                    PreviousCatalog = previous,
                    Catalog = Tracker?.Count ?? 0,
                    BytesRead = BytesRead,
                    BytesWritten = BytesWritten,
                },
                ChangeShare = previous == 0 ? 0 : (double)(changedForGuard + deleted) / previous,
                OrderChanged = Tracker?.UsedLookups ?? false,
                RejectSamples = samples,
                RejectsByField = byField,
                Timings = new SyncTimings { Total = total, LoadState = LoadState, Stream = Stream, Commit = Commit, SaveState = SaveState },
            };
        }
    }

    /// <summary>A filled output buffer on its way to the destination.</summary>
    private readonly record struct PendingWrite(OutputBuffer Buffer, int RecordCount, bool IsLast);

    private sealed class EngineSourceContext(FieldMapping mapping, RunState run) : SourceReadContext
    {
        public override FieldMapping Mapping => mapping;

        public override SourceBatch RentBatch() => run.RentBatch(mapping.SlotCount);

        public override void Reject(long lineNumber, string field, string reason) =>
            run.Reject(new RejectedRow(lineNumber, field, reason, null), fromSource: true);

        public override void ReportBytesRead(long bytes) => run.AddBytesRead(bytes);

        public override void ReportTotalBytes(long bytes) => run.TotalBytes = bytes;
    }
}
