using System.Runtime.CompilerServices;
using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>The department, category, store and active filters, compared on UTF-8 bytes (text beyond ASCII decoded once, on the stack).</summary>
internal sealed class RecordFilter
{
    private readonly FilterValue[] _departments;
    private readonly FilterValue[] _categories;
    private readonly FilterValue[] _stores;
    private readonly bool _activeOnly;

    public RecordFilter(RecordFilterOptions options)
    {
        _departments = [.. options.Departments.Select(d => new FilterValue(d.Trim(), Prefix: false))];
        _categories = [.. options.Categories.Select(c => c.Trim()).Select(c => c.EndsWith('*') ? new FilterValue(c[..^1], Prefix: true) : new FilterValue(c, Prefix: false))];
        _stores = [.. options.Stores.Select(s => new FilterValue(s.Trim(), Prefix: false))];
        _activeOnly = options.ActiveOnly;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Keep(GroceryRecord r)
    {
        if (_activeOnly && !r.IsActive)
        {
            return false;
        }

        if (_departments.Length > 0 && !AnyMatch(_departments, r.Department))
        {
            return false;
        }

        if (_stores.Length > 0 && !AnyMatch(_stores, r.StoreId))
        {
            return false;
        }

        if (_categories.Length > 0 && !AnyMatch(_categories, r.Category))
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="text"/> equals (or, for a prefix value, starts with) one of <paramref name="values"/>
    /// ignoring case: ASCII text is compared on its bytes; text with other letters (Crèmerie, Épicerie) is decoded once
    /// and compared ordinally ignoring case.
    /// </summary>
    private static bool AnyMatch(FilterValue[] values, ReadOnlySpan<byte> text)
    {
        if (!Ascii.IsValid(text))
        {
            return AnyMatchUnicode(values, text);
        }

        foreach (var v in values)
        {
            if (v.IsAscii && (v.Prefix
                    ? text.Length >= v.Utf8.Length && Ascii.EqualsIgnoreCase(text[..v.Utf8.Length], v.Utf8)
                    : Ascii.EqualsIgnoreCase(text, v.Utf8)))
            {
                return true;
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool AnyMatchUnicode(FilterValue[] values, ReadOnlySpan<byte> text)
    {
        Span<char> chars = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        chars = chars[..Encoding.UTF8.GetChars(text, chars)];
        foreach (var v in values)
        {
            if (v.Prefix ? chars.StartsWith(v.Text, StringComparison.OrdinalIgnoreCase) : chars.Equals(v.Text, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One filter value, as text and as UTF-8 bytes.</summary>
    private sealed record FilterValue(string Text, bool Prefix)
    {
        public byte[] Utf8 { get; } = Encoding.UTF8.GetBytes(Text);

        public bool IsAscii { get; } = Ascii.IsValid(Text);
    }
}
