using System.CommandLine;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent.Commands;

/// <summary>The <c>--output json</c> document of a successful enrollment (never the key).</summary>
internal sealed record EnrollOutput(string Status, Uri Hub, Guid AgentId, Guid RetailerId, string AgentName, string ConfigDir);

/// <summary>
/// <c>gsagent enroll --hub URL --token T</c>: exchanges the one-time token for an API key, proves the key with a first
/// heartbeat, and only then stores the configuration (key encrypted) and reports success.
/// </summary>
internal sealed class EnrollCommand(CommandOutput output, TimeProvider time)
{
    public const string TokenVariable = "GSAGENT_ENROLL_TOKEN";
    private const int ProofAttempts = 3;

    private static readonly Option<string> HubOption = new("--hub") { Description = "The hub's address, e.g. https://hub.example.com/.", Required = true };
    private static readonly Option<string?> TokenOption = new("--token") { Description = $"The one-time enrollment token from the hub (or ${TokenVariable})." };
    private static readonly Option<bool> ForceOption = new("--force") { Description = "Enroll again although this folder is enrolled (its undelivered outbox is discarded)." };
    private static readonly Option<int> TimeoutOption = new("--timeout") { Description = "Seconds to wait for the hub per call.", DefaultValueFactory = _ => 30 };

    public static Command Create()
    {
        var configDir = CommandOutput.ConfigDirOption();
        var outputOption = CommandOutput.OutputOption();
        var command = new Command("enroll", "Enroll this agent with a hub using a one-time token; stores the key encrypted in the agent folder.")
        {
            HubOption, TokenOption, configDir, ForceOption, TimeoutOption, outputOption,
        };
        command.SetAction((parse, ct) =>
        {
            var output = new CommandOutput(Console.Out, Console.Error, "enroll", parse.GetValue(outputOption) == "json");
            return output.RunAsync(() => new EnrollCommand(output, TimeProvider.System).RunAsync(
                parse.GetValue(HubOption)!,
                parse.GetValue(TokenOption) ?? Environment.GetEnvironmentVariable(TokenVariable),
                AgentFolder.Resolve(parse.GetValue(configDir)),
                parse.GetValue(ForceOption),
                TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(TimeoutOption))),
                ct));
        });
        return command;
    }

    public async Task<int> RunAsync(string hubAddress, string? token, AgentFolder folder, bool force, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(hubAddress, UriKind.Absolute, out var hub) || (hub.Scheme != Uri.UriSchemeHttps && hub.Scheme != Uri.UriSchemeHttp))
        {
            throw new AgentFailure(ExitCodes.InvalidSpec, "bad-hub-url", $"--hub must be an absolute http:// or https:// address, not '{hubAddress}'.");
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            throw new AgentFailure(ExitCodes.InvalidSpec, "no-token", $"Give the enrollment token with --token or ${TokenVariable}.");
        }

        // A base address with a path must end in '/' so the protocol's relative routes stay under it.
        var baseAddress = hub.AbsoluteUri.EndsWith('/') ? hub : new Uri(hub.AbsoluteUri + "/");
        var store = new AgentConfigStore(folder);
        if (!force && await store.TryLoadAsync(cancellationToken) is { } existing)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "already-enrolled",
                $"{folder.Root} is already enrolled with {existing.Hub} as agent '{existing.AgentName}' ({existing.AgentId}). Use --force to enroll again (undelivered events and logs of the old enrollment are discarded).");
        }

        using var handler = new SocketsHttpHandler { ConnectTimeout = timeout };
        using var http = new HttpClient(handler) { Timeout = timeout };
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"gsagent/{AgentIdentityInfo.Version}");
        var client = new EnrollmentClient(http, baseAddress);
        var identity = AgentIdentityInfo.Current();
        output.Line($"Enrolling with {baseAddress} ...");
        var enrolled = await client.EnrollAsync(token.Trim(), identity, cancellationToken);

        HeartbeatResponse? proof = null;
        for (var attempt = 1; proof is null; attempt++)
        {
            try
            {
                proof = await client.ProveAsync(enrolled.ApiKey, identity, cancellationToken);
            }
            catch (AgentFailure failure) when (failure.ExitCode == ExitCodes.HubUnavailable && attempt < ProofAttempts)
            {
                // The token is spent: a short network blip must not waste it. Heartbeats are safe to repeat.
                await Task.Delay(TimeSpan.FromSeconds(attempt), time, cancellationToken);
            }
        }

        await SaveAsync(folder, store, force, baseAddress, enrolled, proof, cancellationToken);
        output.Document(new EnrollOutput("enrolled", baseAddress, enrolled.AgentId, enrolled.RetailerId, enrolled.AgentName, folder.Root), AgentJson.Default.EnrollOutput);
        output.Line($"Enrolled as agent '{enrolled.AgentName}' ({enrolled.AgentId}); the hub accepted the first heartbeat.");
        output.Line($"The API key is stored encrypted in {folder.Root}. Start the agent: gsagent run --config-dir {folder.Root} (or gsagent install).");
        return ExitCodes.Success;
    }

    private async Task SaveAsync(AgentFolder folder, AgentConfigStore store, bool force, Uri hub, EnrollResponse enrolled, HeartbeatResponse proof, CancellationToken cancellationToken)
    {
        SecureFiles.CreatePrivateDirectory(folder.Root);
        if (force)
        {
            // Another enrollment is another agent: its outbox sequences must not continue the old one's.
            foreach (var file in new[] { folder.OutboxFile, folder.OutboxFile + "-wal", folder.OutboxFile + "-shm", folder.StatusFile, folder.ConfigFile })
            {
                File.Delete(file);
            }

            await AgentStateStore.ResetOutboxesAsync(folder, time, cancellationToken);
        }
        else
        {
            File.Delete(folder.StatusFile);
            await AgentStateStore.OpenAsync(folder, time, cancellationToken);
        }

        var agent = new EnrolledAgent
        {
            Hub = hub,
            AgentId = enrolled.AgentId,
            RetailerId = enrolled.RetailerId,
            AgentName = enrolled.AgentName,
            EnrolledAt = time.GetUtcNow(),
            HeartbeatIntervalSeconds = proof.HeartbeatIntervalSeconds > 0 ? proof.HeartbeatIntervalSeconds : enrolled.HeartbeatIntervalSeconds,
        };
        await store.SaveAsync(agent, new ApiKey(enrolled.ApiKey), cancellationToken);
        SecureFiles.RestrictTree(folder.Root);
        await SecureFiles.GiveToFolderOwnerAsync(folder.Root, cancellationToken);
    }
}
