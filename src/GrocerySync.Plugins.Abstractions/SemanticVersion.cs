using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace GrocerySync.Plugins.Abstractions;

/// <summary>A semantic version <c>MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]</c> (build metadata is ignored in comparisons).</summary>
/// <param name="Major">Major version: incompatible changes.</param>
/// <param name="Minor">Minor version: additive changes.</param>
/// <param name="Patch">Patch version: fixes.</param>
/// <param name="PreRelease">Pre-release label, empty for a release; a pre-release sorts before its release.</param>
public readonly record struct SemanticVersion(int Major, int Minor, int Patch, string PreRelease = "") : IComparable<SemanticVersion>
{
    /// <summary>Parses a version such as <c>1.2.3</c>, <c>1.2</c> or <c>1.2.3-beta.1+abc</c>.</summary>
    /// <exception cref="FormatException">The text is not a semantic version.</exception>
    public static SemanticVersion Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a semantic version (MAJOR.MINOR.PATCH).");

    /// <summary>Tries to parse a semantic version; <c>MAJOR.MINOR</c> is read as <c>MAJOR.MINOR.0</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out SemanticVersion version)
    {
        version = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        var plus = s.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            s = s[..plus];
        }

        var pre = string.Empty;
        var dash = s.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            pre = s[(dash + 1)..];
            s = s[..dash];
            if (pre.Length == 0)
            {
                return false;
            }
        }

        var parts = s.Split('.');
        if (parts.Length is < 2 or > 3)
        {
            return false;
        }

        Span<int> n = stackalloc int[3];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out n[i]))
            {
                return false;
            }
        }

        version = new SemanticVersion(n[0], n[1], n[2], pre);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(SemanticVersion other)
    {
        var c = Major.CompareTo(other.Major);
        if (c == 0)
        {
            c = Minor.CompareTo(other.Minor);
        }

        if (c == 0)
        {
            c = Patch.CompareTo(other.Patch);
        }

        if (c != 0)
        {
            return c;
        }

        return (PreRelease.Length == 0, other.PreRelease.Length == 0) switch
        {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => -1,
            _ => string.CompareOrdinal(PreRelease, other.PreRelease),
        };
    }

    /// <summary>Compares two versions.</summary>
    public static bool operator <(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) < 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator >(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) > 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator <=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two versions.</summary>
    public static bool operator >=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) >= 0;

    /// <inheritdoc />
    public override string ToString() =>
        PreRelease.Length == 0 ? $"{Major}.{Minor}.{Patch}" : $"{Major}.{Minor}.{Patch}-{PreRelease}";
}
