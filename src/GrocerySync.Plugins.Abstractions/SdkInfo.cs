namespace GrocerySync.Plugins.Abstractions;

/// <summary>Version information of the plugin SDK.</summary>
public static class SdkInfo
{
    /// <summary>
    /// The semantic version of this SDK. A plugin built against SDK <c>1.x</c> runs on any engine whose SDK is
    /// <c>1.y</c> with <c>y &gt;= x</c>: the SDK only grows additively within a major version.
    /// </summary>
    public const string SdkVersion = "1.1.0";

    /// <summary>The parsed <see cref="SdkVersion"/>.</summary>
    public static SemanticVersion Version { get; } = SemanticVersion.Parse(SdkVersion);
}
