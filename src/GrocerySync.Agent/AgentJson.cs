using System.Text.Json;
using System.Text.Json.Serialization;
using GrocerySync.Agent.Commands;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Service;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent;

/// <summary>JSON of the agent protocol (web defaults: camelCase, enums as the contract says) and of the agent folder's files.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EnrollRequest))]
[JsonSerializable(typeof(EnrollResponse))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(WorkResponse))]
[JsonSerializable(typeof(EventBatch))]
[JsonSerializable(typeof(LogBatch))]
[JsonSerializable(typeof(BatchAcknowledgement))]
[JsonSerializable(typeof(ConnectionTestReport))]
[JsonSerializable(typeof(ConnectionTestAcknowledgement))]
[JsonSerializable(typeof(RunEvent))]
[JsonSerializable(typeof(AgentLogLine))]
[JsonSerializable(typeof(HubProblem))]
[JsonSerializable(typeof(AgentState))]
[JsonSerializable(typeof(AgentConfigFile))]
[JsonSerializable(typeof(AgentStatusFile))]
[JsonSerializable(typeof(StatusOutput))]
[JsonSerializable(typeof(EnrollOutput))]
[JsonSerializable(typeof(InstallOutput))]
[JsonSerializable(typeof(FailureOutput))]
internal sealed partial class AgentJson : JsonSerializerContext;
