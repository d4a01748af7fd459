namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// Delivers adapter output to a channel. A run is one transaction: <see cref="BeginAsync"/>, any number of
/// <see cref="IDestinationTransaction.WriteAsync"/>, then <see cref="IDestinationTransaction.CommitAsync"/> or
/// <see cref="IDestinationTransaction.RollbackAsync"/>.
/// </summary>
/// <remarks>
/// The contract that makes runs crash-safe: nothing written in a transaction is visible to the channel before
/// <see cref="IDestinationTransaction.CommitAsync"/> returns, and a commit is all or nothing (a folder destination
/// writes a temporary file and renames it; an API destination stages batches and publishes them at commit). The
/// engine commits its delta state only after the destination commit returned, so a run that dies at any point never
/// hides a change from the next run. The engine may also roll back a transaction it has written to, for example when
/// a guard rail stops the run.
/// </remarks>
public interface IDestinationConnector : IAsyncDisposable
{
    /// <summary>Checks that the destination can be written (folder writable, server reachable, credentials accepted) without publishing anything.</summary>
    Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Starts a transaction for one run.</summary>
    /// <exception cref="PluginException">The destination cannot be written.</exception>
    Task<IDestinationTransaction> BeginAsync(DestinationContext context, CancellationToken cancellationToken);
}

/// <summary>One run's writes to a destination.</summary>
public interface IDestinationTransaction : IAsyncDisposable
{
    /// <summary>
    /// Writes a batch of adapter output. A batch holds whole records only (never a record cut in two), and the
    /// header, when the adapter writes one, is at the start of the first batch. The memory is reused after the call
    /// completes: copy what must outlive it.
    /// </summary>
    ValueTask WriteAsync(DestinationBatch batch, CancellationToken cancellationToken);

    /// <summary>Publishes everything written, atomically. After it returns the data is durable.</summary>
    Task CommitAsync(CancellationToken cancellationToken);

    /// <summary>Discards everything written. Must be safe to call after a failed write or commit.</summary>
    Task RollbackAsync(CancellationToken cancellationToken);
}

/// <summary>A batch of adapter output.</summary>
/// <param name="Data">UTF-8 output of whole records (plus the header in the first batch and the footer in the last).</param>
/// <param name="RecordCount">How many records and deletions the batch holds.</param>
/// <param name="Sequence">0-based number of the batch in the run; with <see cref="DestinationContext.RunId"/> it makes an idempotency key.</param>
/// <param name="IsLast">Whether this is the last batch of the run.</param>
public readonly record struct DestinationBatch(ReadOnlyMemory<byte> Data, int RecordCount, long Sequence, bool IsLast);

/// <summary>What a destination learns about the run it writes.</summary>
/// <param name="JobId">The job's id (file-name safe).</param>
/// <param name="RunId">Unique id of this run.</param>
/// <param name="IsDelta">Whether the output holds only changes (delta) or the whole catalog (full).</param>
/// <param name="ContentType">The adapter's media type.</param>
/// <param name="FileExtension">The adapter's file extension without the dot.</param>
/// <param name="StartedAt">When the run started.</param>
public sealed record DestinationContext(
    string JobId,
    Guid RunId,
    bool IsDelta,
    string ContentType,
    string FileExtension,
    DateTimeOffset StartedAt);
