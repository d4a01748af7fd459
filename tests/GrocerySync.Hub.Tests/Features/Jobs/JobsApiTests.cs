using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.Features.Jobs;

public sealed class JobsApiTests(HubApps apps)
{
    [Theory, DatabaseData]
    public async Task Retailer_admin_creates_a_job_and_lists_it(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var source = await tenant.AddSourceAsync(agent);
        var destination = await tenant.AddDestinationAsync();

        var response = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/jobs", new
        {
            name = "Nightly feed",
            agentId = agent.Id,
            sourceId = source.Id,
            destinationId = destination.Id,
            adapterPluginId = "grocerysync.adapter.google-merchant",
            cronExpression = "30 2 * * *",
            filters = new { departments = new[] { "Dairy" }, activeOnly = true },
        }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JobDto>(TestContext.Current.CancellationToken);
        Assert.Equal(tenant.RetailerId, job!.RetailerId);
        Assert.Equal("Europe/Amsterdam", job.TimeZone);
        Assert.Equal(["Dairy"], job.Filters.Departments);
        Assert.NotNull(job.NextRunAt);

        var page = await tenant.Technician.Client.GetFromJsonAsync<PagedResult<JobDto>>("/api/v1/jobs?search=nightly", TestContext.Current.CancellationToken);
        Assert.Equal(job.Id, Assert.Single(page!.Items).Id);
        Assert.Equal(1, page.TotalCount);
    }

    [Theory, DatabaseData]
    public async Task Invalid_cron_and_unknown_time_zone_answer_400_with_field_errors(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();

        var response = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/jobs", new
        {
            name = "Bad schedule",
            agentId = job.AgentId,
            sourceId = job.SourceId,
            destinationId = job.DestinationId,
            adapterPluginId = "grocerysync.adapter.google-merchant",
            cronExpression = "61 25 * * *",
            timeZone = "Mars/Olympus_Mons",
        }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await ReadErrorsAsync(response);
        Assert.Contains("CronExpression", errors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("TimeZone", errors.Keys, StringComparer.OrdinalIgnoreCase);
    }

    [Theory, DatabaseData]
    public async Task Malformed_json_answers_400_naming_the_problem(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();

        using var content = new StringContent("""{"name": "x", "agentId": """, System.Text.Encoding.UTF8, "application/json");
        var response = await tenant.Admin.Client.PostAsync("/api/v1/jobs", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(await ReadErrorsAsync(response));
    }

    [Theory, DatabaseData]
    public async Task Technician_cannot_create_a_job(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Technician.Client.PostAsJsonAsync("/api/v1/jobs", new { name = "x" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<Dictionary<string, string[]>> ReadErrorsAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return json.RootElement.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;
    }
}
