using GrocerySync.Contracts;

namespace GrocerySync.Hub.Data.Entities;

/// <summary>One structured log line from an agent or from the hub about a retailer's runs.</summary>
internal sealed class LogEntry : ITenantOwned
{
    public long Id { get; set; }

    public Guid RetailerId { get; set; }

    public Guid? AgentId { get; set; }

    public Guid? JobRunId { get; set; }

    public DateTimeOffset Timestamp { get; set; }

    public LogSeverity Level { get; set; }

    public required string Category { get; set; }

    public required string Message { get; set; }

    /// <summary>Structured properties as a JSON object, when the line has any.</summary>
    public string? Properties { get; set; }
}
