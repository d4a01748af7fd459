using System.Text.Json.Serialization;

namespace GrocerySync.Hub.Data.Entities;

/// <summary>Where a connection test is: waiting for its agent, handed to it, or answered.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectionTestStatus>))]
public enum ConnectionTestStatus
{
    /// <summary>Waiting for the agent's next work poll.</summary>
    Pending = 0,

    /// <summary>Handed to the agent with the destination's settings and secrets; waiting for its answer.</summary>
    Dispatched = 1,

    /// <summary>The agent reached the destination.</summary>
    Succeeded = 2,

    /// <summary>The agent could not reach or write the destination, the test could not be handed out, or no answer came in time.</summary>
    Failed = 3,
}

/// <summary>
/// A user's request to test a destination's connection from one agent inside the store network, and its outcome.
/// Only an agent's answer changes the destination's recorded status; a test that cannot be handed out or expires
/// without an answer says nothing about the connection.
/// </summary>
internal sealed class DestinationConnectionTest : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid RetailerId { get; set; }

    public Guid DestinationId { get; set; }

    /// <summary>The agent the test is given to; only it receives the secrets and may answer.</summary>
    public Guid AgentId { get; set; }

    public ConnectionTestStatus Status { get; set; }

    public Guid? RequestedByUserId { get; set; }

    public string? RequestedByName { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    /// <summary>A test still Pending or Dispatched at this instant fails (no agent answered in time).</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    /// <summary>The destination's version the agent got: its answer updates the destination only while that is still current.</summary>
    public long? DestinationVersion { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>What the agent reported, or why the test failed without an answer; secret values masked.</summary>
    public string? Message { get; set; }
}
