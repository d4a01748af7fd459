using System.Collections.Concurrent;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace GrocerySync.Hub.Tests.Security;

/// <summary>
/// DESIGN.md section 7: every API endpoint, found in the app's endpoint data source, proves that a user of
/// retailer A can neither read, list, change nor delete anything of retailer B.
/// </summary>
public sealed class TenantIsolationTests(HubApps apps)
{
    [Theory, DatabaseData]
    public async Task Users_of_one_retailer_can_neither_read_list_change_nor_delete_another_retailers_data(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var worlds = await Task.WhenAll(TenantWorld.CreateAsync(app, "a"), TenantWorld.CreateAsync(app, "b"));
        var (a, b) = (worlds[0], worlds[1]);
        var endpoints = ApiEndpoint.All(app).Where(e => !ExpectedAccess.NotTenantData.ContainsKey(e.Key)).ToList();
        var before = await TenantSnapshot.TakeAsync(app, b.RetailerId);
        var failures = new ConcurrentQueue<string>();
        var probe = new Probe(app, a, b, before, failures);

        // A's admin and technician call every endpoint, aiming at B's items, all at once.
        await Task.WhenAll(endpoints.SelectMany(e => a.Users.Select(u => Guarded(e, failures, () => probe.CallAsync(e, u)))));

        var after = await TenantSnapshot.TakeAsync(app, b.RetailerId);
        foreach (var difference in after.DifferencesFrom(before))
        {
            failures.Enqueue($"B's data changed: {difference}");
        }

        // Controls: the same calls aimed at B's items do reach them for someone allowed, so A's 404s mean "not yours", not "bad id".
        var routesWithGet = endpoints.Where(e => e.Method == "GET").Select(e => e.Route).ToHashSet(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.OrderBy(e => ApiEndpoint.MethodOrder(e.Method)).ThenByDescending(e => e.Pattern.PathSegments.Count))
        {
            await Guarded(endpoint, failures, () => probe.ControlAsync(endpoint, routesWithGet));
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} tenant-isolation failure(s) (A = {a.Marker}, B = {b.Marker}):\n" + string.Join("\n", failures));
    }

    private static async Task Guarded(ApiEndpoint endpoint, ConcurrentQueue<string> failures, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failures.Enqueue($"{endpoint.Key}: {e.Message}");
        }
    }

    private sealed class Probe(HubApp app, TenantWorld a, TenantWorld b, TenantSnapshot bData, ConcurrentQueue<string> failures)
    {
        private static CancellationToken Ct => TestContext.Current.CancellationToken;

        // Ids that a request of A carries in the query string: a list must ignore them, not widen to B.
        private string BFilters => $"retailerId={b.RetailerId}&agentId={b.Agent.Id}&sourceId={b.Source.Id}&destinationId={b.Destination.Id}&jobId={b.Job.Id}&runId={b.Run.Id}&userId={b.Tenant.Admin.Id}&actorUserId={b.Tenant.Admin.Id}&entityId={b.Job.Id}";

        public async Task CallAsync(ApiEndpoint endpoint, TestUser user)
        {
            var allowed = ExpectedAccess.For(endpoint).Allows(user.Role);
            var who = $"A's {user.Role}";
            if (endpoint.HasRouteParameters)
            {
                // B's item by id: 404 (or 403 where the role may not call the endpoint at all).
                var url = RouteValues.Url(endpoint, b);
                var body = await RequestBodies.CreateAsync(new BodyContext(app, endpoint, url, b, null, $"{a.Marker} by {user.Role}"));
                await ExpectAsync(who, user, endpoint.Method, url, body, allowed ? [ApiCalls.NotFound] : [ApiCalls.Forbidden, ApiCalls.NotFound], checkIds: false);
            }
            else if (endpoint.Method == "GET")
            {
                // A list: none of B's ids or markers, with or without B's ids as filters.
                var url = ApiEndpoint.Prefix + endpoint.Route;
                int[] expected = allowed ? [StatusCodes.Status200OK] : [ApiCalls.Forbidden];
                await ExpectAsync(who, user, "GET", url, null, expected, checkIds: true);
                await ExpectAsync(who, user, "GET", $"{url}?{BFilters}", null, expected, checkIds: false);
                await ExpectAsync(who, user, "GET", $"{url}?search={b.Marker}", null, expected, checkIds: true);
            }
            else
            {
                // A create: naming B as the retailer, or B's agent/source/destination/job, is refused and creates nothing.
                var url = ApiEndpoint.Prefix + endpoint.Route;
                var name = $"{a.Marker} by {user.Role}";
                int[] expected = allowed ? [StatusCodes.Status400BadRequest, ApiCalls.NotFound] : [ApiCalls.Forbidden];
                var intoB = await RequestBodies.CreateAsync(new BodyContext(app, endpoint, url, a, b.RetailerId, name));
                await ExpectAsync(who + " naming B's retailer", user, endpoint.Method, url, intoB, expected, checkIds: false);

                var withBRefs = await RequestBodies.CreateAsync(new BodyContext(app, endpoint, url, b, null, name));
                var withARefs = await RequestBodies.CreateAsync(new BodyContext(app, endpoint, url, a, null, name));
                if (withBRefs != withARefs)
                {
                    await ExpectAsync(who + " naming B's items", user, endpoint.Method, url, withBRefs, expected, checkIds: false);
                }
            }
        }

        /// <summary>Positive controls, after the snapshot: a list shows B's data to B's admin; an id route reaches B's item for a platform admin.</summary>
        public async Task ControlAsync(ApiEndpoint endpoint, HashSet<string> routesWithGet)
        {
            var access = ExpectedAccess.For(endpoint);
            if (!endpoint.HasRouteParameters && endpoint.Method == "GET")
            {
                var user = access.Allows(b.Tenant.Admin.Role) ? b.Tenant.Admin : app.PlatformAdmin;
                var url = ApiEndpoint.Prefix + endpoint.Route + (user == app.PlatformAdmin ? $"?retailerId={b.RetailerId}&search={b.Marker}" : string.Empty);
                var (response, text) = await ApiCalls.SendAsync(user.Client, "GET", url, null, Ct);
                if (!text.Contains(b.Marker, StringComparison.OrdinalIgnoreCase) && !ExpectedAccess.NotTenantData.ContainsKey(endpoint.Key))
                {
                    failures.Enqueue($"Control failed: B's {user.Role} listing {url} does not see B's seeded data ({ApiCalls.Describe("", "GET", url, response, text)}); " +
                        "seed the resource in Infrastructure/TenantWorld.cs so that the isolation check of this list is not empty by construction.");
                }

                CheckSecret("B's " + user.Role, "GET", url, response, text);
            }
            else if (endpoint.HasRouteParameters)
            {
                // A DELETE is checked through the GET of the same route where there is one: deleting for real
                // would cascade (a job takes its notification rules along) and turn later controls into 404s.
                var url = RouteValues.Url(endpoint, b);
                var method = endpoint.Method == "DELETE" && routesWithGet.Contains(endpoint.Route) ? "GET" : endpoint.Method;
                var body = method == "GET" ? null : await RequestBodies.CreateAsync(new BodyContext(app, endpoint, url, b, null, $"{b.Marker} control"));
                var (response, text) = await ApiCalls.SendAsync(app.PlatformAdmin.Client, method, url, body, Ct);
                if (response.IsStatus(ApiCalls.NotFound) || response.Status() >= 500)
                {
                    failures.Enqueue($"Control failed: the platform admin's {method} {url} should reach B's item: {ApiCalls.Describe("", method, url, response, text)}");
                }

                CheckSecret("platform admin", endpoint.Method, url, response, text);
            }
        }

        private async Task ExpectAsync(string who, TestUser user, string method, string url, string? body, int[] expected, bool checkIds)
        {
            var (response, text) = await ApiCalls.SendAsync(user.Client, method, url, body, Ct);
            if (!expected.Contains(response.Status()))
            {
                failures.Enqueue($"expected {string.Join(" or ", expected)}: {ApiCalls.Describe(who, method, url, response, text)}");
            }

            if (text.Contains(b.Marker, StringComparison.OrdinalIgnoreCase))
            {
                failures.Enqueue($"answer shows B's data (marker {b.Marker}): {ApiCalls.Describe(who, method, url, response, text)}");
            }

            if (checkIds && bData.Ids.FirstOrDefault(id => text.Contains(id, StringComparison.OrdinalIgnoreCase)) is { } leaked)
            {
                failures.Enqueue($"answer shows B's id {leaked}: {ApiCalls.Describe(who, method, url, response, text)}");
            }

            CheckSecret(who, method, url, response, text);
        }

        private void CheckSecret(string who, string method, string url, HttpResponseMessage response, string text)
        {
            if (text.Contains(b.Secret, StringComparison.Ordinal) || text.Contains(a.Secret, StringComparison.Ordinal))
            {
                failures.Enqueue($"answer shows a secret value (secrets are write-only): {ApiCalls.Describe(who, method, url, response, text)}");
            }
        }
    }
}
