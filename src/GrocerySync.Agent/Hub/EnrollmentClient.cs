using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent.Hub;

/// <summary>
/// Enrollment: exchanges the one-time token for a key and proves the key with a first heartbeat. Never retried
/// (a token is spent on first use: a retry after a lost answer would only meet "already used").
/// </summary>
internal sealed class EnrollmentClient(HttpClient http, Uri hub)
{
    /// <summary>The hub's <c>code</c> for an enrollment token past its expiry.</summary>
    public const string ExpiredTokenCode = "enrollment_token_expired";

    /// <summary>The hub's <c>code</c> for an enrollment token it does not know: never issued, already used, or replaced.</summary>
    public const string UnknownTokenCode = "enrollment_token_unknown";

    /// <exception cref="AgentFailure">Unreachable hub (by kind), refused token (by the hub's reason), or not our protocol.</exception>
    public async Task<EnrollResponse> EnrollAsync(string token, AgentIdentity identity, CancellationToken cancellationToken)
    {
        EnrollResponse answer;
        try
        {
            using var response = await http.PostAsync(new Uri(hub, AgentRoutes.Enroll), JsonContent.Create(new EnrollRequest(token, identity), AgentJson.Default.EnrollRequest), cancellationToken);
            answer = await HubResponses.ReadAsync(response, AgentJson.Default.EnrollResponse, hub, cancellationToken);
        }
        catch (HubRejectedException ex)
        {
            var detail = ex.Detail ?? string.Empty;
            // The hub's code decides; it cannot tell a used token from an unknown one (it keeps no used tokens), so
            // neither may we. Without a code (an older hub), the status and the detail's wording are all there is.
            var reason = ex.Code switch
            {
                ExpiredTokenCode => "token-expired",
                UnknownTokenCode => "token-unknown",
                _ when detail.Contains("expired", StringComparison.OrdinalIgnoreCase) || ex.Status == HttpStatusCode.Gone => "token-expired",
                _ when detail.Contains("already used", StringComparison.OrdinalIgnoreCase) || ex.Status == HttpStatusCode.Conflict => "token-used",
                _ when ex.Status == HttpStatusCode.NotFound => "token-unknown",
                _ => "refused",
            };
            var what = reason switch
            {
                "token-expired" => "The enrollment token has expired",
                "token-used" => "The enrollment token was already used",
                "token-unknown" when ex.Code == UnknownTokenCode => "The hub does not know this enrollment token (unknown, already used or replaced by a newer one)",
                "token-unknown" => "The hub does not know this enrollment token",
                _ => "The hub refused the enrollment",
            };
            throw new AgentFailure(ExitCodes.EnrollmentRefused, reason,
                $"{what}{(detail.Length > 0 ? $" (hub: {detail})" : string.Empty)}. Create a new enrollment token for this agent in the hub and run enroll again.");
        }
        catch (Exception ex) when (ex is HubUnavailableException || HubErrors.IsTransport(ex) || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Unavailable(ex is TaskCanceledException t && t.InnerException is null ? new TimeoutException(t.Message, t) : ex);
        }

        if (answer.AgentId == Guid.Empty || string.IsNullOrWhiteSpace(answer.ApiKey) || answer.HeartbeatIntervalSeconds <= 0)
        {
            throw new AgentFailure(ExitCodes.HubUnavailable, "not-grocerysync", $"{hub} answered the enrollment without an agent id, key or heartbeat interval: it does not speak the GrocerySync agent protocol.");
        }

        return answer;
    }

    /// <summary>The first heartbeat with the new key: only a hub that accepts it makes the enrollment a success.</summary>
    public async Task<HeartbeatResponse> ProveAsync(string apiKey, AgentIdentity identity, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hub, AgentRoutes.Heartbeat))
            {
                Content = JsonContent.Create(new HeartbeatRequest(identity, [], [], 0), AgentJson.Default.HeartbeatRequest),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue(AgentRoutes.KeyScheme, apiKey);
            using var response = await http.SendAsync(request, cancellationToken);
            return await HubResponses.ReadAsync(response, AgentJson.Default.HeartbeatResponse, hub, cancellationToken);
        }
        catch (Exception ex) when (ex is HubRejectedException or AgentRevokedException)
        {
            throw new AgentFailure(ExitCodes.EnrollmentRefused, "key-refused",
                $"The hub issued a key but refused it on the first heartbeat ({ex.Message}). Nothing was saved; create a new enrollment token and try again.");
        }
        catch (Exception ex) when (ex is HubUnavailableException || HubErrors.IsTransport(ex) || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Unavailable(ex is TaskCanceledException t && t.InnerException is null ? new TimeoutException(t.Message, t) : ex);
        }
    }

    private AgentFailure Unavailable(Exception ex)
    {
        var classified = HubErrors.Classify(ex, hub);
        return new AgentFailure(ExitCodes.HubUnavailable, classified.Reason, classified.Message, ex);
    }
}
