using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GrocerySync.Hub.Features.Audit;

/// <summary>
/// Writes one <see cref="AuditEvent"/> per added, changed or deleted configuration row (every
/// <see cref="EditableEntity"/> and <see cref="HubUser"/>) into the same SaveChanges, so a change and its
/// audit entry commit or fail together. Secret values are redacted before they reach the entry.
/// <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> bypass SaveChanges: code that uses them on audited rows writes
/// the entry itself. Every added entry, from here or from <see cref="AuditLog"/>, is then linked into its hash chain
/// (<see cref="AuditChains"/>); stored entries are never changed or deleted through the context.
/// </summary>
internal sealed class AuditInterceptor(AuditEntries entries) : SaveChangesInterceptor
{

    /// <summary>Bookkeeping that changes with every save or is derived from another property.</summary>
    private static readonly FrozenSet<string> NoiseProperties = FrozenSet.Create(
        StringComparer.Ordinal, "CreatedAt", "UpdatedAt", "Version", "NormalizedEmail", "NormalizedUserName");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The audited entity types: their name in the trail, their event types, and what is not an edit.</summary>
    internal static readonly FrozenDictionary<Type, AuditedType> AuditedTypes = new Dictionary<Type, AuditedType>
    {
        [typeof(Retailer)] = new("Retailer", AuditEventType.RetailerCreated, AuditEventType.RetailerUpdated, AuditEventType.RetailerDeleted),
        [typeof(HubUser)] = new("User", AuditEventType.UserCreated, AuditEventType.UserUpdated, AuditEventType.UserDeleted)
        {
            // Failed sign-ins count up and a success resets the count: bookkeeping (each attempt has its own
            // sign-in entry). A lockout, a role change and disabling or enabling are events of their own.
            Runtime = ["AccessFailedCount"],
            Marks =
            [
                new(AuditEventType.UserLockedOut, "LockoutEnd", WhenSet: true, ["LockoutEnd"]),
                new(AuditEventType.UserRoleChanged, "Role", WhenSet: false, ["Role"]),
                new(AuditEventType.UserDisabled, "Disabled", WhenSet: false, ["Disabled"]) { WhenValue = true },
                new(AuditEventType.UserEnabled, "Disabled", WhenSet: false, ["Disabled"]) { WhenValue = false },
            ],
        },
        [typeof(Agent)] = new("Agent", AuditEventType.AgentCreated, AuditEventType.AgentUpdated, AuditEventType.AgentDeleted)
        {
            // Heartbeats and the offline monitor keep these current many times an hour; they are telemetry, not edits.
            Runtime = ["Status", "LastHeartbeatAt", "AgentVersion", "OperatingSystem", "HostName", "OfflineSince", "Plugins"],
            // Issuing an enrollment token and exchanging it for an API key are the agent's credentials changing hands.
            Marks =
            [
                new(AuditEventType.AgentRevoked, "RevokedAt", WhenSet: true, ["RevokedAt", "RevokedBy", "Status"]),
                new(AuditEventType.AgentEnrollmentTokenIssued, "EnrollmentTokenHash", WhenSet: true, ["EnrollmentTokenExpiresAt"]),
                new(AuditEventType.AgentKeyIssued, "ApiKeyHash", WhenSet: true, ["ApiKeyPrefix", "EnrolledAt", "HostName"]),
            ],
        },
        [typeof(Source)] = new("Source", AuditEventType.SourceCreated, AuditEventType.SourceUpdated, AuditEventType.SourceDeleted)
        {
            Marks = [new(AuditEventType.SourceSecretsReplaced, "EncryptedSecrets", WhenSet: false, ["EncryptedSecrets", "SecretNames"])],
        },
        [typeof(Destination)] = new("Destination", AuditEventType.DestinationCreated, AuditEventType.DestinationUpdated, AuditEventType.DestinationDeleted)
        {
            // Connection-test results arrive from the agent; requesting a test is audited where it is requested.
            Runtime = ["ConnectionStatus", "LastTestedAt", "LastTestMessage"],
            Marks = [new(AuditEventType.DestinationSecretsReplaced, "EncryptedSecrets", WhenSet: false, ["EncryptedSecrets", "SecretNames"])],
        },
        [typeof(Job)] = new("Job", AuditEventType.JobCreated, AuditEventType.JobUpdated, AuditEventType.JobDeleted)
        {
            // The scheduler and finished runs keep these current; NextRunAt is derived from the schedule. Pausing and
            // resuming are actions with events of their own (JobPaused, JobResumed), written where they happen.
            Runtime = ["NextRunAt", "LastRunStatus", "LastRunFinishedAt", "ConsecutiveFailures", "PausedAt", "PausedReason", "LastSkippedAt", "LastSkipReason"],
        },
        [typeof(NotificationRule)] = new("NotificationRule", AuditEventType.NotificationRuleCreated, AuditEventType.NotificationRuleUpdated, AuditEventType.NotificationRuleDeleted),
    }.ToFrozenDictionary();

    // Entries added to the context but not yet saved; detached again when the save fails so a retried
    // SaveChanges does not record the change twice.
    private readonly List<AuditEvent> _pending = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } context)
        {
            Record(context);
            AuditChains.LinkAsync(context, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult(); // Synchronous by construction (async: false).
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context)
        {
            Record(context);
            await AuditChains.LinkAsync(context, async: true, cancellationToken);
        }

        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        _pending.Clear();
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        _pending.Clear();
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Discard(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Discard(eventData.Context);
        return Task.CompletedTask;
    }

    private void Record(DbContext context)
    {
        Discard(context);
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            if (entry.Entity is AuditEvent && entry.State != EntityState.Added)
            {
                throw new InvalidOperationException("The audit trail is append-only: stored entries are never changed or deleted (retention deletes whole chain prefixes with a checkpoint).");
            }

            if (!AuditedTypes.TryGetValue(entry.Metadata.ClrType, out var audited))
            {
                if (entry.Entity is EditableEntity)
                {
                    throw new InvalidOperationException($"{entry.Metadata.ClrType.Name} is an editable entity without audit event types; add them to AuditEventType and AuditInterceptor.");
                }

                continue;
            }

            var changes = Changes(entry, audited);
            var type = entry.State switch
            {
                EntityState.Added => audited.Created,
                EntityState.Modified => audited.Updated,
                _ => audited.Deleted,
            };

            // A save that only moved bookkeeping (a new concurrency stamp) is no edit.
            if (entry.State != EntityState.Modified || changes.Any(c => c.Key != "ConcurrencyStamp"))
            {
                _pending.Add(NewEvent(entry, audited, type, changes));
            }

            if (entry.State == EntityState.Modified)
            {
                foreach (var mark in audited.Marks.Where(m => Marked(entry, m)))
                {
                    _pending.Add(NewEvent(entry, audited, mark.Type, Changes(entry, mark.Details)));
                }
            }
        }

        context.AddRange(_pending);
    }

    private void Discard(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        foreach (var pending in _pending)
        {
            context.Entry(pending).State = EntityState.Detached;
        }

        _pending.Clear();
    }

    private AuditEvent NewEvent(EntityEntry entry, AuditedType audited, AuditEventType type, JsonObject changes) =>
        entries.New(type, audited.Name, entry.Entity switch
        {
            EditableEntity editable => editable.Id,
            HubUser user => user.Id,
            _ => null,
        }, RetailerOf(entry), changes);

    /// <summary>
    /// The retailer whose admins see the event. Creating or deleting a retailer is platform-level (null); a change
    /// to a retailer belongs to that retailer, so its admins see who changed their settings.
    /// </summary>
    private static Guid? RetailerOf(EntityEntry entry) => entry.Entity switch
    {
        Retailer retailer => entry.State == EntityState.Modified ? retailer.Id : null,
        HubUser user => user.RetailerId,
        ITenantOwned owned => owned.RetailerId,
        _ => null,
    };

    /// <summary><c>{ "Name": { "old": "a", "new": "b" } }</c>: new values on creation, old ones on deletion.</summary>
    private static JsonObject Changes(EntityEntry entry, AuditedType audited) =>
        Changes(entry, entry.Properties
            .Select(p => p.Metadata.Name)
            .Where(name => !NoiseProperties.Contains(name) && !audited.Runtime.Contains(name)));

    private static JsonObject Changes(EntityEntry entry, IEnumerable<string> properties)
    {
        var changes = new JsonObject();
        foreach (var name in properties)
        {
            var property = entry.Property(name);
            if (property.Metadata.IsPrimaryKey())
            {
                continue;
            }

            switch (entry.State)
            {
                case EntityState.Added when property.CurrentValue is not null:
                    changes[name] = new JsonObject { ["new"] = Value(name, property.CurrentValue) };
                    break;
                case EntityState.Modified when Changed(property):
                    changes[name] = new JsonObject { ["old"] = Value(name, property.OriginalValue), ["new"] = Value(name, property.CurrentValue) };
                    break;
                case EntityState.Deleted when property.OriginalValue is not null:
                    changes[name] = new JsonObject { ["old"] = Value(name, property.OriginalValue) };
                    break;
                default:
                    break;
            }
        }

        return changes;
    }

    private static bool Changed(PropertyEntry property) => property.IsModified && !Equals(property.OriginalValue, property.CurrentValue);

    private static bool Marked(EntityEntry entry, AuditMark mark)
    {
        var property = entry.Property(mark.Property);
        return Changed(property)
            && (!mark.WhenSet || property.CurrentValue is not null)
            && (mark.WhenValue is null || Equals(property.CurrentValue, mark.WhenValue));
    }

    private static JsonNode? Value(string property, object? value) => value switch
    {
        null => null,
        _ when AuditEntries.IsSecretName(property) => AuditEntries.Redacted,
        _ => JsonSerializer.SerializeToNode(value, value.GetType(), Json),
    };
}

/// <summary>How one entity type appears in the audit trail.</summary>
internal sealed record AuditedType(string Name, AuditEventType Created, AuditEventType Updated, AuditEventType Deleted)
{
    /// <summary>Properties the hub keeps current by itself (heartbeats, schedules, results): never recorded as edits.</summary>
    public FrozenSet<string> Runtime { get; init; } = FrozenSet<string>.Empty;

    /// <summary>More specific events recorded next to the update when a property changes.</summary>
    public IReadOnlyList<AuditMark> Marks { get; init; } = [];
}

/// <summary>
/// An extra event of <paramref name="Type"/> when <paramref name="Property"/> changes on update (only to a value, when
/// <paramref name="WhenSet"/>), carrying the changes of <paramref name="Details"/>.
/// </summary>
internal sealed record AuditMark(AuditEventType Type, string Property, bool WhenSet, IReadOnlyList<string> Details)
{
    /// <summary>Only when the property changes to this value.</summary>
    public object? WhenValue { get; init; }
}
