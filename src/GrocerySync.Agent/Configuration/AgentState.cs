using System.Text.Json;

namespace GrocerySync.Agent.Configuration;

/// <summary>
/// <c>state.json</c>: the layout version of the agent folder and the ids of its two outboxes. A newer agent migrates an
/// older folder forward step by step (<see cref="AgentStateStore"/>); the outbox database carries its own
/// <c>PRAGMA user_version</c> (<see cref="Outbox.AgentOutbox"/>).
/// </summary>
/// <remarks>
/// Version history: 1 — delta state in <c>delta/&lt;jobId&gt;.delta</c>, outbox rows without sizes;
/// 2 — delta state per job in <c>jobs/&lt;jobId&gt;/</c>, outbox rows carry their size for the disk cap.
/// </remarks>
internal sealed record AgentState
{
    public const int CurrentSchemaVersion = 2;

    public required int SchemaVersion { get; init; }

    /// <summary>The run-event outbox (<see cref="Contracts.Agents.EventBatch.OutboxId"/>).</summary>
    public required Guid OutboxId { get; init; }

    /// <summary>The log outbox (<see cref="Contracts.Agents.LogBatch.OutboxId"/>).</summary>
    public required Guid LogOutboxId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Opens (creating or migrating) <c>state.json</c>.</summary>
internal static class AgentStateStore
{
    /// <summary>Reads the folder's state, creating a new one or migrating an older one to the current version.</summary>
    /// <exception cref="AgentFailure">The folder was written by a newer agent, or state.json is unreadable.</exception>
    public static async Task<AgentState> OpenAsync(AgentFolder folder, TimeProvider time, CancellationToken cancellationToken)
    {
        SecureFiles.CreatePrivateDirectory(folder.Root);
        var state = await ReadAsync(folder, cancellationToken);
        if (state is null)
        {
            state = new AgentState
            {
                SchemaVersion = AgentState.CurrentSchemaVersion,
                OutboxId = Guid.CreateVersion7(time.GetUtcNow()),
                LogOutboxId = Guid.CreateVersion7(time.GetUtcNow()),
                CreatedAt = time.GetUtcNow(),
            };
            await WriteAsync(folder, state, cancellationToken);
            return state;
        }

        if (state.SchemaVersion > AgentState.CurrentSchemaVersion)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "newer-state",
                $"The agent folder {folder.Root} was written by a newer agent (state schema {state.SchemaVersion}); this agent reads up to schema {AgentState.CurrentSchemaVersion}. Install the newer agent again.");
        }

        if (state.SchemaVersion < 1)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "bad-state", $"{folder.StateFile} has an invalid schemaVersion {state.SchemaVersion}.");
        }

        if (state.SchemaVersion == AgentState.CurrentSchemaVersion)
        {
            return state;
        }

        if (state.SchemaVersion == 1)
        {
            MoveDeltaStatePerJob(folder);
            state = state with { SchemaVersion = 2 };
        }

        await WriteAsync(folder, state, cancellationToken);
        return state;
    }

    /// <summary>Reads state.json, or null when there is none.</summary>
    public static async Task<AgentState?> ReadAsync(AgentFolder folder, CancellationToken cancellationToken)
    {
        if (!File.Exists(folder.StateFile))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(folder.StateFile);
            return await JsonSerializer.DeserializeAsync(stream, AgentJson.Default.AgentState, cancellationToken)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException ex)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "bad-state", $"{folder.StateFile} is not a valid agent state file: {ex.Message}");
        }
    }

    /// <summary>Forgets the outboxes (re-enrollment as another agent): new ids, so the hub never mixes two agents' sequences.</summary>
    public static async Task<AgentState> ResetOutboxesAsync(AgentFolder folder, TimeProvider time, CancellationToken cancellationToken)
    {
        var state = await OpenAsync(folder, time, cancellationToken) with
        {
            OutboxId = Guid.CreateVersion7(time.GetUtcNow()),
            LogOutboxId = Guid.CreateVersion7(time.GetUtcNow()),
        };
        await WriteAsync(folder, state, cancellationToken);
        return state;
    }

    /// <summary>Gives the event outbox a new id (the hub has seen higher sequences than this outbox ever numbered).</summary>
    public static async Task<AgentState> RenewOutboxIdAsync(AgentFolder folder, bool logs, TimeProvider time, CancellationToken cancellationToken)
    {
        var current = await ReadAsync(folder, cancellationToken) ?? throw new AgentFailure(ExitCodes.ConfigurationError, "bad-state", $"{folder.StateFile} is missing.");
        var state = logs ? current with { LogOutboxId = Guid.CreateVersion7(time.GetUtcNow()) } : current with { OutboxId = Guid.CreateVersion7(time.GetUtcNow()) };
        await WriteAsync(folder, state, cancellationToken);
        return state;
    }

    private static Task WriteAsync(AgentFolder folder, AgentState state, CancellationToken cancellationToken) =>
        SecureFiles.WriteAtomicAsync(folder.StateFile, JsonSerializer.Serialize(state, AgentJson.Default.AgentState), cancellationToken);

    /// <summary>1 → 2: <c>delta/&lt;job&gt;.delta</c> becomes <c>jobs/&lt;job&gt;/&lt;job&gt;.delta</c>.</summary>
    private static void MoveDeltaStatePerJob(AgentFolder folder)
    {
        var old = Path.Combine(folder.Root, "delta");
        if (!Directory.Exists(old))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(old, "*.delta"))
        {
            var job = Path.GetFileNameWithoutExtension(file);
            var target = Path.Combine(folder.JobsFolder, job);
            SecureFiles.CreatePrivateDirectory(target);
            File.Move(file, Path.Combine(target, Path.GetFileName(file)), overwrite: false);
        }

        if (!Directory.EnumerateFileSystemEntries(old).Any())
        {
            Directory.Delete(old);
        }
    }
}
