using System.Globalization;

namespace GrocerySync.Hub.Features.Plugins;

/// <summary>
/// Semantic Versioning 2.0.0 precedence (semver.org, section 11): numeric major.minor.patch, a pre-release
/// sorts before its release, pre-release identifiers compare numerically or by ASCII, build metadata is ignored.
/// </summary>
internal static class SemanticVersion
{
    /// <summary>Orders newest first; text that is no semantic version sorts after every valid one.</summary>
    public static IComparer<string> NewestFirst { get; } = Comparer<string>.Create((a, b) => Compare(b, a));

    /// <summary>Compares by precedence; an invalid version is lower than any valid one, two invalid ones compare ordinally.</summary>
    public static int Compare(string? a, string? b)
    {
        var left = Parse(a);
        var right = Parse(b);
        if (left is null || right is null)
        {
            return left is null && right is null ? string.CompareOrdinal(a, b) : left is null ? -1 : 1;
        }

        for (var i = 0; i < 3; i++)
        {
            var core = left.Value.Core[i].CompareTo(right.Value.Core[i]);
            if (core != 0)
            {
                return core;
            }
        }

        var pre = ComparePreRelease(left.Value.PreRelease, right.Value.PreRelease);
        // Equal precedence (different build metadata): a stable, deterministic order.
        return pre != 0 ? pre : string.CompareOrdinal(a, b);
    }

    private static int ComparePreRelease(string[] left, string[] right)
    {
        if (left.Length == 0 || right.Length == 0)
        {
            // A release (no pre-release identifiers) is higher than any of its pre-releases.
            return right.Length.CompareTo(left.Length);
        }

        for (var i = 0; i < Math.Min(left.Length, right.Length); i++)
        {
            var leftNumeric = ulong.TryParse(left[i], NumberStyles.None, CultureInfo.InvariantCulture, out var l);
            var rightNumeric = ulong.TryParse(right[i], NumberStyles.None, CultureInfo.InvariantCulture, out var r);
            var c = (leftNumeric, rightNumeric) switch
            {
                (true, true) => l.CompareTo(r),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(left[i], right[i]),
            };
            if (c != 0)
            {
                return c;
            }
        }

        return left.Length.CompareTo(right.Length);
    }

    /// <summary>Whether the text is a semantic version (major.minor.patch with optional pre-release and build).</summary>
    public static bool IsValid(string? text) => Parse(text) is not null;

    private static (ulong[] Core, string[] PreRelease)? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var plus = text.IndexOf('+', StringComparison.Ordinal);
        var withoutBuild = plus >= 0 ? text[..plus] : text;
        var dash = withoutBuild.IndexOf('-', StringComparison.Ordinal);
        var core = (dash >= 0 ? withoutBuild[..dash] : withoutBuild).Split('.');
        var preRelease = dash >= 0 ? withoutBuild[(dash + 1)..].Split('.') : [];
        if (core.Length != 3 || preRelease.Any(string.IsNullOrEmpty))
        {
            return null;
        }

        var numbers = new ulong[3];
        for (var i = 0; i < 3; i++)
        {
            if (!ulong.TryParse(core[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }

        return (numbers, preRelease);
    }
}
