using System.Globalization;
using System.Text;
using GrocerySync.Tests.Shared;

namespace GrocerySync.Agent.Tests;

/// <summary>A temporary job folder and a way to run <c>gsagent</c> on it as a real child process.</summary>
internal sealed class AgentProcess : IDisposable
{
    public const string Header = "sku,upc,name,brand,size,unit,department,category,price,sale_price,sale_start,sale_end,qty_on_hand,store_id,active,image_url";

    public string Root { get; } = Directory.CreateTempSubdirectory("gs-agent-").FullName;

    public string SpecPath => Path.Combine(Root, "job.json");

    public string SourcePath => Path.Combine(Root, "catalog.csv");

    public string OutFolder => Path.Combine(Root, "out");

    public string FeedPath => Path.Combine(OutFolder, "feed.tsv");

    public string StatePath => Path.Combine(Root, "state", "agent-test.delta");

    public void WriteSpec(string sourcePath, double maxChangeShare = 0.3, string adapter = "google-merchant") => File.WriteAllText(SpecPath, $$"""
        {
          "job": "agent-test",
          "stateFolder": "state",
          "source": { "plugin": "delimited-file", "settings": { "path": "{{sourcePath}}" } },
          "mapping": { "sku": "sku", "gtin": "upc", "name": "name", "brand": "brand", "regularPrice": "price",
                       "quantityOnHand": "qty_on_hand", "active": "active", "imageUrl": "image_url" },
          "adapter": { "plugin": "{{adapter}}" },
          "destination": { "plugin": "folder", "settings": { "path": "out", "fileName": "feed.tsv" } },
          "guardRail": { "maxChangeShare": {{maxChangeShare.ToString(CultureInfo.InvariantCulture)}} }
        }
        """);

    public static string Row(int i, decimal price) =>
        string.Create(CultureInfo.InvariantCulture, $"SKU{i:D7},{Upc(i)},Product {i} with a reasonably long name,Acme,16,oz,Dairy,Dairy/Milk,{price:0.00},,,,{i % 9},S001,Y,https://img.example.com/{i}.jpg\n");

    public static string Catalog(int rows, decimal priceOffset)
    {
        var sb = new StringBuilder(Header).Append('\n');
        for (var i = 0; i < rows; i++)
        {
            sb.Append(Row(i, 1 + (i % 40) + priceOffset));
        }

        return sb.ToString();
    }

    public static string Upc(int i)
    {
        var body = (10_000_000_000L + (i * 7919L)).ToString("D11", CultureInfo.InvariantCulture);
        var sum = 0;
        for (var k = 0; k < 11; k++)
        {
            sum += (body[k] - '0') * (k % 2 == 0 ? 3 : 1);
        }

        return body + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    /// <summary>Environment variables for the child process (settings such as <c>Agent__MaxConcurrentRuns</c>).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>Starts <c>gsagent ARGS</c> in <see cref="Root"/> with <see cref="Environment"/>.</summary>
    public AgentChildProcess Start(params string[] args) => AgentChildProcess.Start(args, Environment, Root);

    /// <summary>Runs <c>gsagent ARGS</c> to its end.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => AgentChildProcess.RunAsync(args, Environment, Root);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
