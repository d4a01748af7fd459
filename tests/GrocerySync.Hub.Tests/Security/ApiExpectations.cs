using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.Security;

// The three tables a developer extends when adding an endpoint under /api/v1. The security tests find
// every endpoint by themselves and fail with a pointer to this file when one of these tables lacks it:
//   1. ExpectedAccess.Table: who may call it (DESIGN.md section 1).
//   2. RouteValues: which seeded item a route parameter names, by the resource segment in front of it.
//   3. RequestBodies.Factories: a valid JSON body, for endpoints that read one.

/// <summary>The least privileged caller an endpoint admits.</summary>
internal enum Access
{
    /// <summary>No credentials needed (sign-in).</summary>
    Anonymous,

    /// <summary>Any signed-in user: technician and up.</summary>
    AnyUser,

    /// <summary>Retailer admins and platform admins.</summary>
    RetailerAdmin,

    /// <summary>Platform admins only.</summary>
    PlatformAdmin,
}

internal static class ExpectedAccess
{
    private const string Where = "tests/GrocerySync.Hub.Tests/Security/ApiExpectations.cs";

    /// <summary>Method + route (below /api/v1, constraints removed) → the least privileged caller it admits.</summary>
    public static readonly IReadOnlyDictionary<string, Access> Table = new Dictionary<string, Access>(StringComparer.Ordinal)
    {
        // Sign-in: the credentials are the authorization.
        ["POST /auth/token"] = Access.Anonymous,
        ["POST /auth/refresh"] = Access.Anonymous,
        ["POST /auth/revoke"] = Access.Anonymous,
        ["POST /auth/invites/accept"] = Access.Anonymous,
        ["POST /auth/sign-out-everywhere"] = Access.AnyUser,

        // The caller's own account and two-factor sign-in (an enrollment-only session reaches GET, setup and enable too).
        ["GET /account"] = Access.AnyUser,
        ["POST /account/two-factor/setup"] = Access.AnyUser,
        ["POST /account/two-factor/enable"] = Access.AnyUser,
        ["POST /account/two-factor/disable"] = Access.AnyUser,
        ["POST /account/two-factor/recovery-codes"] = Access.AnyUser,

        // The hub's own keys.
        ["POST /security/rotate-keys"] = Access.PlatformAdmin,

        // Retailers: everyone sees their own; only platform admins create, change or delete them.
        ["GET /retailers"] = Access.AnyUser,
        ["GET /retailers/{id}"] = Access.AnyUser,
        ["POST /retailers"] = Access.PlatformAdmin,
        ["PUT /retailers/{id}"] = Access.PlatformAdmin,
        ["DELETE /retailers/{id}"] = Access.PlatformAdmin,

        // Users: retailer admins manage their retailer's users; technicians have no user access.
        ["GET /users"] = Access.RetailerAdmin,
        ["GET /users/{id}"] = Access.RetailerAdmin,
        ["POST /users"] = Access.RetailerAdmin,
        ["PUT /users/{id}"] = Access.RetailerAdmin,
        ["DELETE /users/{id}"] = Access.RetailerAdmin,
        ["POST /users/{id}/two-factor/reset"] = Access.RetailerAdmin,
        ["GET /users/invites"] = Access.RetailerAdmin,
        ["POST /users/invites"] = Access.RetailerAdmin,
        ["DELETE /users/invites/{id}"] = Access.RetailerAdmin,
        ["GET /retailers/{id}/two-factor-policy"] = Access.RetailerAdmin,
        ["PUT /retailers/{id}/two-factor-policy"] = Access.RetailerAdmin,
        ["GET /retailers/{id}/retention"] = Access.RetailerAdmin,
        ["PUT /retailers/{id}/retention"] = Access.RetailerAdmin,

        // Agents: technicians install and enroll them; changing, revoking and deleting is for admins.
        ["GET /agents"] = Access.AnyUser,
        ["GET /agents/{id}"] = Access.AnyUser,
        ["POST /agents"] = Access.AnyUser,
        ["PUT /agents/{id}"] = Access.RetailerAdmin,
        ["DELETE /agents/{id}"] = Access.RetailerAdmin,
        ["POST /agents/{id}/revoke"] = Access.RetailerAdmin,
        ["POST /agents/{id}/enrollment-token"] = Access.AnyUser,

        // Sources and destinations carry secrets: technicians read (values masked) and test connections only.
        ["GET /sources"] = Access.AnyUser,
        ["GET /sources/{id}"] = Access.AnyUser,
        ["POST /sources"] = Access.RetailerAdmin,
        ["PUT /sources/{id}"] = Access.RetailerAdmin,
        ["DELETE /sources/{id}"] = Access.RetailerAdmin,
        ["GET /destinations"] = Access.AnyUser,
        ["GET /destinations/{id}"] = Access.AnyUser,
        ["POST /destinations"] = Access.RetailerAdmin,
        ["PUT /destinations/{id}"] = Access.RetailerAdmin,
        ["DELETE /destinations/{id}"] = Access.RetailerAdmin,
        ["POST /destinations/{id}/test"] = Access.AnyUser,
        ["GET /destinations/{id}/tests/{testId}"] = Access.AnyUser,

        // Notification rules: admins configure them.
        ["GET /notification-rules"] = Access.AnyUser,
        ["GET /notification-rules/{id}"] = Access.AnyUser,
        ["POST /notification-rules"] = Access.RetailerAdmin,
        ["PUT /notification-rules/{id}"] = Access.RetailerAdmin,
        ["DELETE /notification-rules/{id}"] = Access.RetailerAdmin,

        // Jobs: technicians read (and run them); admins configure.
        ["GET /jobs"] = Access.AnyUser,
        ["GET /jobs/{id}"] = Access.AnyUser,
        ["POST /jobs"] = Access.RetailerAdmin,
        ["PUT /jobs/{id}"] = Access.RetailerAdmin,
        ["DELETE /jobs/{id}"] = Access.RetailerAdmin,
        ["GET /jobs/{id}/schedule"] = Access.AnyUser,
        ["POST /jobs/{id}/run"] = Access.AnyUser,
        ["POST /jobs/{id}/pause"] = Access.RetailerAdmin,
        ["POST /jobs/{id}/resume"] = Access.RetailerAdmin,

        // Runs and logs: technicians read them.
        ["GET /runs"] = Access.AnyUser,
        ["GET /runs/{id}"] = Access.AnyUser,
        ["GET /runs/{id}/log"] = Access.AnyUser,
        ["POST /runs/{id}/cancel"] = Access.AnyUser,
        ["GET /logs"] = Access.AnyUser,

        // The audit feed: admins.
        ["GET /audit-events"] = Access.RetailerAdmin,
        ["GET /audit-events/export"] = Access.RetailerAdmin,
        ["GET /audit-events/verify"] = Access.RetailerAdmin,

        // The plugin catalog: everyone reads it; publishing is for platform admins.
        ["GET /plugins"] = Access.AnyUser,
        ["GET /plugins/{id}"] = Access.AnyUser,
    };

    /// <summary>Endpoints that hold no retailer's data, with the reason; the tenant-isolation test lists them as skipped on purpose.</summary>
    public static readonly IReadOnlyDictionary<string, string> NotTenantData = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["POST /auth/token"] = "sign-in with the caller's own credentials",
        ["POST /auth/refresh"] = "exchanges the caller's own refresh token",
        ["POST /auth/revoke"] = "revokes the caller's own refresh token",
        ["POST /auth/invites/accept"] = "the invitation token is the authorization; AuditTrail and Users tests cover it",
        ["POST /auth/sign-out-everywhere"] = "ends the caller's own sessions",
        ["GET /account"] = "the caller's own account",
        ["POST /account/two-factor/setup"] = "the caller's own account",
        ["POST /account/two-factor/enable"] = "the caller's own account",
        ["POST /account/two-factor/disable"] = "the caller's own account",
        ["POST /account/two-factor/recovery-codes"] = "the caller's own account",
        ["POST /security/rotate-keys"] = "the platform's key ring, no retailer's data",
        ["GET /audit-events/verify"] = "answers ok or an entry id for the caller's own chain, never entries; AuditChainTests checks a retailer admin cannot verify another chain",
        ["GET /plugins"] = "the plugin catalog is platform-wide: every user reads every plugin",
        ["GET /plugins/{id}"] = "the plugin catalog is platform-wide: every user reads every plugin",
    };

    /// <summary>Endpoints that end the caller's own sessions: the role matrix calls them last.</summary>
    public static readonly IReadOnlySet<string> EndsSession = new HashSet<string>(StringComparer.Ordinal) { "POST /auth/sign-out-everywhere" };

    public static Access For(ApiEndpoint endpoint) =>
        Table.TryGetValue(endpoint.Key, out var access)
            ? access
            : throw Xunit.Sdk.FailException.ForFailure(
                $"'{endpoint.Key}' is not in ExpectedAccess.Table ({Where}). Add it with the least privileged role that may call it (DESIGN.md section 1).");

    /// <summary>Whether a caller of <paramref name="role"/> (null: anonymous) gets past authorization.</summary>
    public static bool Allows(this Access access, HubRole? role) => access switch
    {
        Access.Anonymous => true,
        Access.AnyUser => role is not null,
        Access.RetailerAdmin => role is HubRole.RetailerAdmin or HubRole.PlatformAdmin,
        Access.PlatformAdmin => role is HubRole.PlatformAdmin,
        _ => false,
    };
}

/// <summary>Fills route parameters with the ids of one <see cref="TenantWorld"/>.</summary>
internal static class RouteValues
{
    private const string Where = "tests/GrocerySync.Hub.Tests/Security/ApiExpectations.cs";

    /// <summary>The literal segment in front of <c>{id}</c> → the seeded item of that resource.</summary>
    private static readonly Dictionary<string, Func<TenantWorld, string>> BySegment = new(StringComparer.Ordinal)
    {
        ["retailers"] = w => w.RetailerId.ToString(),
        ["agents"] = w => w.Agent.Id.ToString(),
        ["sources"] = w => w.Source.Id.ToString(),
        ["destinations"] = w => w.Destination.Id.ToString(),
        ["jobs"] = w => w.Job.Id.ToString(),
        ["runs"] = w => w.Run.Id.ToString(),
        ["notification-rules"] = w => w.Rule.Id.ToString(),
        ["users"] = w => w.Tenant.Technician.Id.ToString(),
        ["logs"] = w => w.LogId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["audit-events"] = w => w.Audit.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["invites"] = w => w.Invite.Id.ToString(),
        ["plugins"] = w => w.Plugin.Id,
        ["tests"] = w => w.ConnectionTest.Id.ToString(),
    };

    /// <summary>A named parameter (other than <c>{id}</c>) → the resource segment it stands for.</summary>
    private static readonly Dictionary<string, string> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["retailerId"] = "retailers",
        ["agentId"] = "agents",
        ["sourceId"] = "sources",
        ["destinationId"] = "destinations",
        ["jobId"] = "jobs",
        ["runId"] = "runs",
        ["jobRunId"] = "runs",
        ["ruleId"] = "notification-rules",
        ["notificationRuleId"] = "notification-rules",
        ["userId"] = "users",
        ["pluginId"] = "plugins",
        ["testId"] = "tests",
    };

    /// <summary>The URL of <paramref name="endpoint"/> with every route parameter naming an item of <paramref name="world"/>.</summary>
    public static string Url(ApiEndpoint endpoint, TenantWorld world)
    {
        var url = ApiEndpoint.Prefix + endpoint.Route;
        foreach (var parameter in endpoint.Pattern.Parameters)
        {
            var segment = parameter.Name == "id" ? endpoint.SegmentBefore(parameter) : ByName.GetValueOrDefault(parameter.Name);
            if (segment is null || !BySegment.TryGetValue(segment, out var value))
            {
                throw Xunit.Sdk.FailException.ForFailure(
                    $"'{endpoint.Key}': route parameter '{{{parameter.Name}}}' (after segment '{segment ?? endpoint.SegmentBefore(parameter)}') is not mapped. " +
                    $"Add the resource segment to RouteValues.BySegment (and a named parameter to RouteValues.ByName) in {Where}, seeding the item in Infrastructure/TenantWorld.cs if needed.");
            }

            url = url.Replace($"{{{parameter.Name}}}", value(world), StringComparison.Ordinal);
        }

        return url;
    }
}

/// <summary>What a body factory may draw on.</summary>
/// <param name="App">The hub.</param>
/// <param name="Endpoint">The endpoint the body is for.</param>
/// <param name="Url">The URL the body goes to (route parameters filled).</param>
/// <param name="Refs">Whose agent, source, destination, job… the body refers to.</param>
/// <param name="RetailerId">The retailer to name in a create body, or null to leave it implied.</param>
/// <param name="Name">A name for the new or changed item; unique per call.</param>
internal sealed record BodyContext(HubApp App, ApiEndpoint Endpoint, string Url, TenantWorld Refs, Guid? RetailerId, string Name)
{
    /// <summary>A short slug made from <see cref="Name"/>.</summary>
    public string Slug => $"s-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Name)))[..20]}";

    /// <summary>GETs <see cref="Url"/> as a platform admin, lets <paramref name="change"/> edit it, and returns it: the body of a PUT.</summary>
    public async Task<JsonNode> ReadBackAsync(Action<JsonObject> change)
    {
        var response = await App.PlatformAdmin.Client.GetAsync(Url, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"Reading {Url} as platform admin for the body of '{Endpoint.Key}' answered {(int)response.StatusCode}.");
        var item = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        change(item);
        return item;
    }

    /// <summary>A refresh token of a fresh sign-in of <see cref="Refs"/>' technician.</summary>
    public async Task<string> FreshRefreshTokenAsync()
    {
        var response = await App.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/token", new { email = Refs.Tenant.Technician.Email, password = HubApp.Password }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenPair>(TestContext.Current.CancellationToken))!.RefreshToken;
    }
}

/// <summary>A valid JSON body per endpoint that reads one.</summary>
internal static class RequestBodies
{
    private const string Where = "tests/GrocerySync.Hub.Tests/Security/ApiExpectations.cs";

    /// <summary>The secret value the bodies send; like the seeded ones, no answer may ever contain it.</summary>
    public const string NewSecret = "n3w-secret-value-7f1c";

    private static readonly Dictionary<string, Func<BodyContext, Task<JsonNode>>> Factories = new(StringComparer.Ordinal)
    {
        ["POST /auth/token"] = c => Json(new { email = c.Refs.Tenant.Technician.Email, password = HubApp.Password }),
        ["POST /auth/refresh"] = async c => JsonSerializer.SerializeToNode(new { refreshToken = await c.FreshRefreshTokenAsync() })!,
        ["POST /auth/revoke"] = async c => JsonSerializer.SerializeToNode(new { refreshToken = await c.FreshRefreshTokenAsync() })!,

        ["POST /retailers"] = c => Json(new { name = c.Name, slug = c.Slug, timeZone = "Europe/Berlin" }),
        ["PUT /retailers/{id}"] = c => c.ReadBackAsync(o => o["timeZone"] = "Europe/Berlin"),

        ["POST /jobs"] = c => Json(new
        {
            retailerId = c.RetailerId,
            name = c.Name,
            agentId = c.Refs.Agent.Id,
            sourceId = c.Refs.Source.Id,
            destinationId = c.Refs.Destination.Id,
            adapterPluginId = "grocerysync.adapter.google-merchant",
            cronExpression = "0 3 * * *",
            timeZone = "Europe/Berlin",
        }),
        ["PUT /jobs/{id}"] = c => c.ReadBackAsync(o => o["name"] = c.Name),
        ["POST /jobs/{id}/pause"] = c => Json(new { reason = c.Name }),

        ["POST /users"] = c => Json(new { retailerId = c.RetailerId, email = $"{c.Slug}@test.grocerysync.test", displayName = c.Name, role = "Technician", password = HubApp.Password }),
        ["PUT /users/{id}"] = c => c.ReadBackAsync(o => o["displayName"] = c.Name),
        ["POST /users/invites"] = c => Json(new { retailerId = c.RetailerId, email = $"{c.Slug}-invite@test.grocerysync.test", displayName = c.Name, role = "Technician" }),
        ["PUT /retailers/{id}/two-factor-policy"] = c => Json(new { requireTwoFactor = false }),
        ["PUT /retailers/{id}/retention"] = c => Json(new { logRetentionDays = 30, logRetentionMaxLines = 1_000_000, runRetentionDays = 180 }),
        ["POST /auth/invites/accept"] = c => Json(new { token = "not-an-invitation-token", password = HubApp.Password }),
        ["POST /account/two-factor/enable"] = c => Json(new { code = "000000" }),
        ["POST /account/two-factor/disable"] = c => Json(new { code = "000000" }),
        ["POST /account/two-factor/recovery-codes"] = c => Json(new { code = "000000" }),

        ["POST /agents"] = c => Json(new { retailerId = c.RetailerId, name = c.Name, heartbeatIntervalSeconds = 60 }),
        ["PUT /agents/{id}"] = c => c.ReadBackAsync(o => o["name"] = c.Name),

        ["POST /sources"] = c => Json(new
        {
            retailerId = c.RetailerId,
            name = c.Name,
            pluginId = "grocerysync.source.delimited-file",
            settings = new { path = "catalog.csv" },
            agentId = c.Refs.Agent.Id,
            secrets = new { password = NewSecret },
        }),
        ["PUT /sources/{id}"] = c => c.ReadBackAsync(o =>
        {
            o["name"] = c.Name;
            o.Remove("secrets"); // Left out, the stored secrets stay; sent back, the mask would become the password.
        }),

        ["POST /destinations"] = c => Json(new
        {
            retailerId = c.RetailerId,
            name = c.Name,
            pluginId = "grocerysync.destination.folder",
            settings = new { path = "out" },
            secrets = new { password = NewSecret },
        }),
        ["PUT /destinations/{id}"] = c => c.ReadBackAsync(o =>
        {
            o["name"] = c.Name;
            o.Remove("secrets");
        }),
        ["POST /destinations/{id}/test"] = c => Json(new { agentId = c.Refs.Agent.Id }),

        ["POST /notification-rules"] = c => Json(new
        {
            retailerId = c.RetailerId,
            name = c.Name,
            @event = "RunFailed",
            channel = "Email",
            target = "ops@example.test",
            jobId = c.Refs.Job.Id,
        }),
        ["PUT /notification-rules/{id}"] = c => c.ReadBackAsync(o => o["name"] = c.Name),
    };

    /// <summary>The JSON body for <see cref="BodyContext.Endpoint"/>, or null when it reads none.</summary>
    public static async Task<string?> CreateAsync(BodyContext context)
    {
        if (context.Endpoint.BodyType is null)
        {
            return null;
        }

        if (!Factories.TryGetValue(context.Endpoint.Key, out var factory))
        {
            throw Xunit.Sdk.FailException.ForFailure(
                $"'{context.Endpoint.Key}' reads a {context.Endpoint.BodyType.Name} body but RequestBodies.Factories ({Where}) has no valid body for it. " +
                "Add a factory: a create body from BodyContext.Refs/RetailerId/Name, an update body with BodyContext.ReadBackAsync.");
        }

        return (await factory(context)).ToJsonString();
    }

    private static Task<JsonNode> Json(object value) => Task.FromResult(JsonSerializer.SerializeToNode(value, JsonSerializerOptions.Web)!);
}
