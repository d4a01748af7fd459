using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Agent.Configuration;

/// <summary>What enrollment gave the agent (everything but the key, which never leaves <see cref="AgentConfigStore"/> unprotected for display).</summary>
internal sealed record EnrolledAgent
{
    public required Uri Hub { get; init; }

    public required Guid AgentId { get; init; }

    public required Guid RetailerId { get; init; }

    public required string AgentName { get; init; }

    public required DateTimeOffset EnrolledAt { get; init; }

    public required int HeartbeatIntervalSeconds { get; init; }
}

/// <summary><c>agent.json</c> as stored: the enrollment plus the API key protected with the Data Protection API.</summary>
internal sealed record AgentConfigFile
{
    public required EnrolledAgent Agent { get; init; }

    /// <summary>The API key, protected (<see cref="IDataProtector.Protect(byte[])"/>), base64url.</summary>
    public required string ProtectedApiKey { get; init; }
}

/// <summary>The API key in memory. <see cref="ToString"/> never shows it.</summary>
internal sealed class ApiKey(string value)
{
    public string Value { get; } = value;

    public override string ToString() => "***";
}

/// <summary>
/// Reads and writes <c>agent.json</c>. The key is protected with the Data Protection API: its key ring lives in
/// <c>keys/</c> of the agent folder (0700/0600 on Linux; on Windows the ring itself is protected with DPAPI for the
/// machine and the folder's ACL admits only the service and administrators), so the key is readable by the service
/// account only and is useless on another machine or without the ring.
/// </summary>
internal sealed class AgentConfigStore(AgentFolder folder)
{
    private const string Purpose = "GrocerySync.Agent.ApiKey.v1";

    public bool Exists => File.Exists(folder.ConfigFile);

    public async Task SaveAsync(EnrolledAgent agent, ApiKey key, CancellationToken cancellationToken)
    {
        var protector = CreateProtector(folder);
        var file = new AgentConfigFile { Agent = agent, ProtectedApiKey = protector.Protect(key.Value) };
        SecureFiles.CreatePrivateDirectory(folder.Root);
        await SecureFiles.WriteAtomicAsync(folder.ConfigFile, JsonSerializer.Serialize(file, AgentJson.Default.AgentConfigFile), cancellationToken);
        SecureFiles.RestrictTree(folder.KeysFolder);
    }

    /// <summary>Reads the enrollment, or null when the folder holds none.</summary>
    public async Task<EnrolledAgent?> TryLoadAsync(CancellationToken cancellationToken) => (await ReadFileAsync(cancellationToken))?.Agent;

    /// <summary>Reads the enrollment and unprotects the key.</summary>
    /// <exception cref="AgentFailure">Not enrolled, unreadable, or the key ring cannot unprotect the key.</exception>
    public async Task<(EnrolledAgent Agent, ApiKey Key)> LoadAsync(CancellationToken cancellationToken)
    {
        var file = await ReadFileAsync(cancellationToken) ?? throw NotEnrolled(folder);
        try
        {
            return (file.Agent, new ApiKey(CreateProtector(folder).Unprotect(file.ProtectedApiKey)));
        }
        catch (CryptographicException ex)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "key-unreadable",
                $"The agent's API key in {folder.ConfigFile} cannot be decrypted with the key ring in {folder.KeysFolder} ({ex.Message}). " +
                "Was the folder copied from another machine, or its keys folder removed? Enroll the agent again.");
        }
    }

    public void Delete()
    {
        File.Delete(folder.ConfigFile);
    }

    public static AgentFailure NotEnrolled(AgentFolder folder) => new(ExitCodes.NotEnrolled, "not-enrolled",
        $"This agent is not enrolled (no {Path.GetFileName(folder.ConfigFile)} in {folder.Root}). Run: gsagent enroll --hub URL --token TOKEN --config-dir {folder.Root}");

    private async Task<AgentConfigFile?> ReadFileAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(folder.ConfigFile))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(folder.ConfigFile);
            return await JsonSerializer.DeserializeAsync(stream, AgentJson.Default.AgentConfigFile, cancellationToken)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException ex)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "bad-config", $"{folder.ConfigFile} is not a valid agent configuration: {ex.Message}. Enroll the agent again.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new AgentFailure(ExitCodes.FolderOrSystemError, "permission-denied",
                $"Cannot read {folder.ConfigFile}: permission denied. Run as the agent's service account (gsagent) or as root/administrator.");
        }
    }

    private static IDataProtector CreateProtector(AgentFolder folder)
    {
        SecureFiles.CreatePrivateDirectory(folder.KeysFolder);
        var services = new ServiceCollection();
        var builder = services.AddDataProtection()
            .SetApplicationName("GrocerySync.Agent")
            .PersistKeysToFileSystem(new DirectoryInfo(folder.KeysFolder));
        if (OperatingSystem.IsWindows())
        {
            builder.ProtectKeysWithDpapi(protectToLocalMachine: true);
        }

        // The provider holds no unmanaged state worth keeping open; the protector stays usable after this scope.
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
    }
}
