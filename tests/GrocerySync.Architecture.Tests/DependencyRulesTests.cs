using System.Xml.Linq;

namespace GrocerySync.Architecture.Tests;

/// <summary>
/// Keeps the dependency direction of DESIGN.md section 2 one way: Contracts and the plugin SDK depend on
/// nothing of ours, the engine only on the SDK, plugins only on the SDK (without copying it). The rules
/// read every project file under src/, so a new project is checked without editing this test.
/// </summary>
public sealed class DependencyRulesTests
{
    private static readonly string Root = FindRoot();

    public static TheoryData<string> SourceProjects() => [.. ProjectNames()];

    public static TheoryData<string> PluginProjects() => [.. ProjectNames().Where(IsPlugin)];

    [Theory, MemberData(nameof(SourceProjects))]
    public void Project_references_follow_the_dependency_direction(string project)
    {
        var references = ProjectReferences(project).Select(r => r.Name).ToList();
        string[] allowed = project switch
        {
            "GrocerySync.Contracts" or "GrocerySync.Plugins.Abstractions" => [],
            "GrocerySync.Sync" or "GrocerySync.Plugins.Hosting" => ["GrocerySync.Plugins.Abstractions"],
            _ when IsPlugin(project) => ["GrocerySync.Plugins.Abstractions"],
            // The hosts may use every library, but never each other.
            "GrocerySync.Hub" or "GrocerySync.Agent" => [.. ProjectNames().Where(p => p is not "GrocerySync.Hub" and not "GrocerySync.Agent")],
            _ => throw new Xunit.Sdk.XunitException($"No dependency rule for {project}: add one to this test."),
        };

        Assert.All(references, r => Assert.Contains(r, allowed));
    }

    [Theory, MemberData(nameof(PluginProjects))]
    public void Plugins_take_the_sdk_from_the_host(string project)
    {
        foreach (var reference in ProjectReferences(project).Where(r => r.Name == "GrocerySync.Plugins.Abstractions"))
        {
            // A plugin that ships its own copy of the SDK would load a second, incompatible type identity.
            Assert.True(
                reference.Element.Element("Private")?.Value == "false" || reference.Element.Attribute("Private")?.Value == "false",
                $"{project} must reference GrocerySync.Plugins.Abstractions with <Private>false</Private>.");
        }
    }

    [Fact]
    public void Contracts_and_sdk_use_no_packages()
    {
        foreach (var project in new[] { "GrocerySync.Contracts", "GrocerySync.Plugins.Abstractions" })
        {
            var packages = Load(project).Descendants("PackageReference").Select(p => p.Attribute("Include")?.Value).ToList();
            Assert.Empty(packages);
        }
    }

    private static IEnumerable<string> ProjectNames() =>
        Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories).Select(p => Path.GetFileNameWithoutExtension(p)).Order();

    // Plugin families; Abstractions is the SDK and Hosting the loader, both libraries of the hosts.
    private static bool IsPlugin(string project) =>
        project.StartsWith("GrocerySync.Plugins.", StringComparison.Ordinal) && project is not "GrocerySync.Plugins.Abstractions" and not "GrocerySync.Plugins.Hosting";

    private static IEnumerable<(string Name, XElement Element)> ProjectReferences(string project) =>
        Load(project).Descendants("ProjectReference")
            .Select(e => (Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')), e));

    private static XDocument Load(string project) =>
        XDocument.Load(Directory.GetFiles(Path.Combine(Root, "src"), project + ".csproj", SearchOption.AllDirectories).Single());

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GrocerySync.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("GrocerySync.slnx not found above the test folder.");
    }
}
