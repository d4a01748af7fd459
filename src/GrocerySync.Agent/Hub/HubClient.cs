using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using GrocerySync.Agent.Configuration;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent.Hub;

/// <summary>The enrolled agent's identity towards the hub: base address and key.</summary>
internal sealed record HubSession(EnrolledAgent Agent, ApiKey Key);

/// <summary>
/// The agent protocol over a typed, resilient <see cref="HttpClient"/> (standard resilience handler: retries with
/// jittered back-off, circuit breaker, timeouts). Every call here is safe to repeat: heartbeats and polls change
/// nothing twice, batches are applied once by sequence, downloads are reads. Enrollment, which is not, lives in
/// <see cref="EnrollmentClient"/> without retries.
/// </summary>
internal sealed class HubClient(HttpClient http, HubSession session, RevocationMonitor revocation)
{
    public Uri Hub => session.Agent.Hub;

    public Task<HeartbeatResponse> HeartbeatAsync(HeartbeatRequest request, CancellationToken cancellationToken) =>
        PostAsync(AgentRoutes.Heartbeat, JsonContent.Create(request, AgentJson.Default.HeartbeatRequest), AgentJson.Default.HeartbeatResponse, cancellationToken);

    public Task<BatchAcknowledgement> SendEventsAsync(EventBatch batch, CancellationToken cancellationToken) =>
        PostAsync(AgentRoutes.Events, JsonContent.Create(batch, AgentJson.Default.EventBatch), AgentJson.Default.BatchAcknowledgement, cancellationToken);

    public Task<BatchAcknowledgement> SendLogsAsync(LogBatch batch, CancellationToken cancellationToken) =>
        PostAsync(AgentRoutes.Logs, JsonContent.Create(batch, AgentJson.Default.LogBatch), AgentJson.Default.BatchAcknowledgement, cancellationToken);

    /// <summary>Reports a connection test's outcome; a test the hub ended already is acknowledged as not recorded.</summary>
    public Task<ConnectionTestAcknowledgement> ReportConnectionTestAsync(Guid testId, ConnectionTestReport report, CancellationToken cancellationToken) =>
        PostAsync($"{AgentRoutes.ConnectionTests}/{testId:D}/result", JsonContent.Create(report, AgentJson.Default.ConnectionTestReport),
            AgentJson.Default.ConnectionTestAcknowledgement, cancellationToken);

    /// <summary>Long-polls for work: the runs to start and connection tests to run, or none when the wait passed.</summary>
    public async Task<WorkResponse> PollWorkAsync(TimeSpan wait, int maxRuns, CancellationToken cancellationToken)
    {
        var seconds = Math.Clamp((int)wait.TotalSeconds, 0, AgentRoutes.MaxWaitSeconds);
        var path = string.Create(CultureInfo.InvariantCulture, $"{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}={seconds}&{AgentRoutes.MaxRunsQuery}={maxRuns}");
        return await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Get, path),
            async response =>
            {
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return new WorkResponse([]);
                }

                // A hub older than this agent sends no connection tests.
                var work = await HubResponses.ReadAsync(response, AgentJson.Default.WorkResponse, Hub, cancellationToken);
                return new WorkResponse(work.Runs ?? []) { ConnectionTests = work.ConnectionTests ?? [] };
            },
            HttpCompletionOption.ResponseContentRead,
            cancellationToken);
    }

    /// <summary>Downloads a plugin package (zip) into <paramref name="destination"/>; at most <paramref name="maxBytes"/>.</summary>
    public Task DownloadPluginAsync(string id, string version, Stream destination, long maxBytes, CancellationToken cancellationToken) =>
        SendAsync(
            () => new HttpRequestMessage(HttpMethod.Get, $"{AgentRoutes.Plugins}/{Uri.EscapeDataString(id)}/{Uri.EscapeDataString(version)}"),
            async response =>
            {
                await HubResponses.EnsureSuccessAsync(response, Hub, cancellationToken);
                if (response.Content.Headers.ContentLength > maxBytes)
                {
                    throw new HubRejectedException(HttpStatusCode.RequestEntityTooLarge, null, $"Plugin package '{id}' {version} is larger than {maxBytes:N0} bytes.");
                }

                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        throw new HubRejectedException(HttpStatusCode.RequestEntityTooLarge, null, $"Plugin package '{id}' {version} is larger than {maxBytes:N0} bytes.");
                    }

                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                return true;
            },
            HttpCompletionOption.ResponseHeadersRead,
            cancellationToken);

    private Task<T> PostAsync<T>(string path, HttpContent content, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, path) { Content = content },
            response => HubResponses.ReadAsync(response, type, Hub, cancellationToken),
            HttpCompletionOption.ResponseContentRead,
            cancellationToken);

    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> create, Func<HttpResponseMessage, Task<T>> read, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        if (revocation.IsRevoked)
        {
            throw new AgentRevokedException(revocation.Message!);
        }

        using var request = create();
        request.Headers.Authorization = new AuthenticationHeaderValue(AgentRoutes.KeyScheme, session.Key.Value);
        try
        {
            using var response = await http.SendAsync(request, completion, cancellationToken);
            return await read(response);
        }
        catch (AgentRevokedException ex)
        {
            revocation.Revoke(ex.Message);
            throw;
        }
        catch (Exception ex) when (HubErrors.IsTransport(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw HubErrors.Classify(ex, Hub);
        }
    }
}

/// <summary>Remembers that the hub revoked the key, so every service stops calling and the agent exits with <see cref="ExitCodes.Revoked"/>.</summary>
internal sealed class RevocationMonitor : IDisposable
{
    private readonly CancellationTokenSource _revoked = new();
    private string? _message;

    public bool IsRevoked => _revoked.IsCancellationRequested;

    public string? Message => _message;

    /// <summary>Cancelled when the key is revoked.</summary>
    public CancellationToken Token => _revoked.Token;

    public void Dispose() => _revoked.Dispose();

    public void Revoke(string message)
    {
        if (Interlocked.CompareExchange(ref _message, message, null) is null)
        {
            _revoked.Cancel();
        }
    }
}
