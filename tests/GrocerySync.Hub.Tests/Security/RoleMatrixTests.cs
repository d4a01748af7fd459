using System.Collections.Concurrent;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.Security;

/// <summary>
/// DESIGN.md section 1 as a table: every endpoint × platform admin, retailer admin, technician and anonymous
/// answers 403 (401 anonymous) exactly where <see cref="ExpectedAccess.Table"/> says it must.
/// </summary>
public sealed class RoleMatrixTests(HubApps apps)
{
    [Theory, DatabaseData]
    public async Task Every_api_endpoint_has_an_expected_minimum_role(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var keys = ApiEndpoint.All(app).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);

        var missing = keys.Where(k => !ExpectedAccess.Table.ContainsKey(k)).ToList();
        var stale = ExpectedAccess.Table.Keys.Where(k => !keys.Contains(k)).ToList();

        Assert.True(missing.Count == 0, "Endpoints missing from ExpectedAccess.Table (tests/GrocerySync.Hub.Tests/Security/ApiExpectations.cs); add each with the least privileged role that may call it:\n  " + string.Join("\n  ", missing));
        Assert.True(stale.Count == 0, "ExpectedAccess.Table names endpoints the hub no longer has; remove or rename them:\n  " + string.Join("\n  ", stale));
    }

    [Theory, DatabaseData]
    public async Task Each_role_gets_403_or_401_exactly_where_the_expected_table_says(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var endpoints = ApiEndpoint.All(app);
        var worlds = await Task.WhenAll(TenantWorld.CreateAsync(app, "pa"), TenantWorld.CreateAsync(app, "ra"), TenantWorld.CreateAsync(app, "te"));
        var failures = new ConcurrentQueue<string>();

        // Each role works on its own retailer, so one role's deletes never turn another role's 403 into a 404. The
        // platform admin is a new one: signing out everywhere must not end the session other tests share.
        var platformAdmin = await app.CreateUserAsync(HubRole.PlatformAdmin, retailerId: null);
        await Task.WhenAll(
            CallEveryEndpointAsync(app, endpoints, platformAdmin, worlds[0], failures),
            CallEveryEndpointAsync(app, endpoints, worlds[1].Tenant.Admin, worlds[1], failures),
            CallEveryEndpointAsync(app, endpoints, worlds[2].Tenant.Technician, worlds[2], failures),
            CallEveryEndpointAnonymouslyAsync(app, endpoints, worlds[0], failures));

        Assert.True(failures.IsEmpty, $"{failures.Count} role-matrix failure(s):\n" + string.Join("\n", failures));
    }

    /// <summary>Reads, then creates and actions, updates, and deletes deepest-first, on the caller's own items with valid bodies.</summary>
    private static async Task CallEveryEndpointAsync(HubApp app, IReadOnlyList<ApiEndpoint> endpoints, TestUser user, TenantWorld world, ConcurrentQueue<string> failures)
    {
        var ordered = endpoints.OrderBy(e => ExpectedAccess.EndsSession.Contains(e.Key)).ThenBy(e => ApiEndpoint.MethodOrder(e.Method)).ThenByDescending(e => e.Method == "DELETE" ? e.Pattern.PathSegments.Count : 0).ThenBy(e => e.Route, StringComparer.Ordinal);
        foreach (var endpoint in ordered)
        {
            try
            {
                var allowed = ExpectedAccess.For(endpoint).Allows(user.Role);
                var url = RouteValues.Url(endpoint, world);
                var body = await RequestBodies.CreateAsync(new BodyContext(app, endpoint, url, world, world.RetailerId, TestTenant.Unique($"{world.Marker}-{user.Role}")));
                var (response, text) = await ApiCalls.SendAsync(user.Client, endpoint.Method, url, body, TestContext.Current.CancellationToken);
                Check(failures, endpoint, user.Role.ToString(), allowed, response, text, url);
                if (text.Contains(world.Secret, StringComparison.Ordinal) || text.Contains(RequestBodies.NewSecret, StringComparison.Ordinal))
                {
                    failures.Enqueue($"{endpoint.Key}: the answer to {user.Role} shows a secret value (secrets are write-only). {ApiCalls.Describe(user.Role.ToString(), endpoint.Method, url, response, text)}");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Enqueue($"{endpoint.Key} as {user.Role}: {e.Message}");
            }
        }

        // After the writes: no list (the audit feed included) repeats a secret value that was sent or seeded.
        foreach (var list in endpoints.Where(e => e.Method == "GET" && !e.HasRouteParameters && ExpectedAccess.Table.TryGetValue(e.Key, out var a) && a.Allows(user.Role)))
        {
            var url = ApiEndpoint.Prefix + list.Route + (user.Role == HubRole.PlatformAdmin ? $"?retailerId={world.RetailerId}" : string.Empty);
            var (response, text) = await ApiCalls.SendAsync(user.Client, "GET", url, null, TestContext.Current.CancellationToken);
            if (text.Contains(world.Secret, StringComparison.Ordinal) || text.Contains(RequestBodies.NewSecret, StringComparison.Ordinal))
            {
                failures.Enqueue($"{list.Key}: after the writes, the list shows a secret value to {user.Role}. {ApiCalls.Describe(user.Role.ToString(), "GET", url, response, text)}");
            }
        }
    }

    private static async Task CallEveryEndpointAnonymouslyAsync(HubApp app, IReadOnlyList<ApiEndpoint> endpoints, TenantWorld world, ConcurrentQueue<string> failures)
    {
        var anonymous = app.CreateAnonymousClient();
        await Task.WhenAll(endpoints.Select(async endpoint =>
        {
            try
            {
                var url = RouteValues.Url(endpoint, world);
                var body = await RequestBodies.CreateAsync(new BodyContext(app, endpoint, url, world, world.RetailerId, TestTenant.Unique($"{world.Marker}-anonymous")));
                var (response, text) = await ApiCalls.SendAsync(anonymous, endpoint.Method, url, body, TestContext.Current.CancellationToken);
                Check(failures, endpoint, "anonymous", ExpectedAccess.For(endpoint).Allows(null), response, text, url);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Enqueue($"{endpoint.Key} as anonymous: {e.Message}");
            }
        }));
    }

    private static void Check(ConcurrentQueue<string> failures, ApiEndpoint endpoint, string who, bool allowed, HttpResponseMessage response, string text, string url)
    {
        var status = response.Status();
        var denied = who == "anonymous" ? ApiCalls.Unauthorized : ApiCalls.Forbidden;
        var expected = ExpectedAccess.For(endpoint);
        if (allowed && (status is ApiCalls.Unauthorized or ApiCalls.Forbidden || status >= 500))
        {
            failures.Enqueue($"{endpoint.Key}: {who} is allowed (minimum {expected}) but got {status}. {ApiCalls.Describe(who, endpoint.Method, url, response, text)}");
        }
        else if (!allowed && status != denied)
        {
            failures.Enqueue($"{endpoint.Key}: {who} must get {denied} (minimum {expected}) but got {status}. {ApiCalls.Describe(who, endpoint.Method, url, response, text)}");
        }
    }
}
