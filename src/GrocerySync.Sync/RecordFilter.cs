using System.Runtime.CompilerServices;
using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>The department, category, store and active filters, compared on UTF-8 bytes without allocating.</summary>
internal sealed class RecordFilter
{
    private readonly byte[][] _departments;
    private readonly (byte[] Value, bool Prefix)[] _categories;
    private readonly byte[][] _stores;
    private readonly bool _activeOnly;

    public RecordFilter(RecordFilterOptions options)
    {
        _departments = [.. options.Departments.Select(d => Encoding.UTF8.GetBytes(d.Trim()))];
        _categories = [.. options.Categories.Select(c => c.Trim()).Select(c => c.EndsWith('*')
            ? (Encoding.UTF8.GetBytes(c[..^1]), true)
            : (Encoding.UTF8.GetBytes(c), false))];
        _stores = [.. options.Stores.Select(s => Encoding.UTF8.GetBytes(s.Trim()))];
        _activeOnly = options.ActiveOnly;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Keep(GroceryRecord r)
    {
        if (_activeOnly && !r.IsActive)
        {
            return false;
        }

        if (_departments.Length > 0 && !AnyEqual(_departments, r.Department))
        {
            return false;
        }

        if (_stores.Length > 0 && !AnyEqual(_stores, r.StoreId))
        {
            return false;
        }

        if (_categories.Length > 0)
        {
            var category = r.Category;
            var match = false;
            foreach (var (value, prefix) in _categories)
            {
                if (EqualsIgnoreCase(category, value, prefix))
                {
                    match = true;
                    break;
                }
            }

            if (!match)
            {
                return false;
            }
        }

        return true;
    }

    private static bool AnyEqual(byte[][] values, ReadOnlySpan<byte> text)
    {
        foreach (var v in values)
        {
            if (EqualsIgnoreCase(text, v, prefix: false))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="text"/> equals (or starts with) <paramref name="value"/> ignoring case: ASCII text is
    /// compared on its bytes; text with other letters (Crèmerie, Épicerie) is decoded and compared ordinally ignoring case.
    /// </summary>
    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> value, bool prefix)
    {
        if (Ascii.IsValid(text) && Ascii.IsValid(value))
        {
            return prefix
                ? text.Length >= value.Length && Ascii.EqualsIgnoreCase(text[..value.Length], value)
                : Ascii.EqualsIgnoreCase(text, value);
        }

        return UnicodeEqualsIgnoreCase(text, value, prefix);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool UnicodeEqualsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> value, bool prefix)
    {
        Span<char> t = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        Span<char> v = value.Length <= 256 ? stackalloc char[value.Length] : new char[value.Length];
        t = t[..Encoding.UTF8.GetChars(text, t)];
        v = v[..Encoding.UTF8.GetChars(value, v)];
        return prefix ? t.StartsWith(v, StringComparison.OrdinalIgnoreCase) : t.Equals(v, StringComparison.OrdinalIgnoreCase);
    }
}
