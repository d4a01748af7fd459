using System.Text.Json;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.OpenApi;

/// <summary>
/// The served OpenAPI document must equal the committed docs/openapi.json, so that every API change shows
/// up in review. After an intended change, regenerate it: <c>GS_UPDATE_OPENAPI=1 dotnet test --project tests/GrocerySync.Hub.Tests</c>.
/// </summary>
public sealed class OpenApiDocumentTests(HubApps apps)
{
    [Fact]
    public async Task Served_document_matches_the_committed_one()
    {
        var app = await apps.GetAsync(DatabaseProvider.Sqlite);
        var served = Normalize(await app.CreateClient().GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken));
        var path = Path.Combine(RepositoryRoot(), "docs", "openapi.json");

        if (Environment.GetEnvironmentVariable("GS_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, served, TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(path), "docs/openapi.json is missing; create it with GS_UPDATE_OPENAPI=1.");
        var committed = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.True(
            committed == served,
            "The API changed: the served OpenAPI document differs from docs/openapi.json. Review the change and regenerate the file with GS_UPDATE_OPENAPI=1 dotnet test --project tests/GrocerySync.Hub.Tests.");
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    // The server list names the test host's address; it is not part of the API.
    private static string Normalize(string json)
    {
        var document = JsonNode.Parse(json)!.AsObject();
        document.Remove("servers");
        return document.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GrocerySync.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("GrocerySync.slnx not found above the test folder.");
    }
}
