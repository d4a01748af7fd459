using System.Runtime.CompilerServices;

namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// A validated, normalised canonical grocery record as adapters see it. Text fields are UTF-8 spans over the
/// source batch (no string per field); typed fields are parsed values. The engine reuses one instance per row:
/// an adapter must not keep the record, or any span from it, after <see cref="IAdapter.WriteRecord"/> returns.
/// </summary>
public sealed class GroceryRecord
{
    private readonly byte[] _gtin = new byte[14];
    private readonly byte[] _currency = new byte[3];
    private SourceBatch? _batch;
    private int _row;
    private byte[] _data = [];

    // The trimmed (start, length) of every slot of the bound row, worked out once in Bind: adapters, the normaliser
    // and the engine read about fifty fields a row, and trimming each time cost more than the reads themselves.
    private int[] _ranges = [];
    private IReadOnlyList<string> _attributeNames = [];

    /// <summary>Points the record at a row of a batch and resets the typed fields. Used by the engine and by tests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Bind(SourceBatch batch, int row, IReadOnlyList<string> attributeNames)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _batch = batch;
        _row = row;
        _attributeNames = attributeNames;
        if (_ranges.Length != batch.SlotCount * 2)
        {
            _ranges = new int[batch.SlotCount * 2];
        }

        _data = batch.GetTrimmedRanges(row, _ranges);
        HasGtin = false;
        IsVariableMeasureGtin = false;
        RegularPrice = 0;
        SalePrice = null;
        SaleStart = null;
        SaleEnd = null;
        QuantityOnHand = null;
        IsActive = true;
        UpdatedAt = null;
    }

    /// <summary>1-based line (or record) number in the source.</summary>
    public long LineNumber => _batch!.GetLineNumber(_row);

    /// <summary>The trimmed UTF-8 text of any canonical field as the source delivered it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> GetText(CanonicalField field) => GetSlot((int)field);

    /// <summary>SKU (the record key).</summary>
    public ReadOnlySpan<byte> Sku => GetText(CanonicalField.Sku);

    /// <summary>Product name.</summary>
    public ReadOnlySpan<byte> Name => GetText(CanonicalField.Name);

    /// <summary>Brand; may be empty.</summary>
    public ReadOnlySpan<byte> Brand => GetText(CanonicalField.Brand);

    /// <summary>Pack size; may be empty.</summary>
    public ReadOnlySpan<byte> Size => GetText(CanonicalField.Size);

    /// <summary>Unit of the size; may be empty.</summary>
    public ReadOnlySpan<byte> Unit => GetText(CanonicalField.Unit);

    /// <summary>Department; may be empty.</summary>
    public ReadOnlySpan<byte> Department => GetText(CanonicalField.Department);

    /// <summary>Category path with <c>/</c> between levels; may be empty.</summary>
    public ReadOnlySpan<byte> Category => GetText(CanonicalField.Category);

    /// <summary>Tax class; may be empty.</summary>
    public ReadOnlySpan<byte> TaxClass => GetText(CanonicalField.TaxClass);

    /// <summary>Store of <see cref="QuantityOnHand"/>; may be empty.</summary>
    public ReadOnlySpan<byte> StoreId => GetText(CanonicalField.StoreId);

    /// <summary>Image URL (http or https); may be empty.</summary>
    public ReadOnlySpan<byte> ImageUrl => GetText(CanonicalField.ImageUrl);

    /// <summary>Product page URL (http or https); may be empty.</summary>
    public ReadOnlySpan<byte> ProductUrl => GetText(CanonicalField.ProductUrl);

    /// <summary>Description; may be empty.</summary>
    public ReadOnlySpan<byte> Description => GetText(CanonicalField.Description);

    /// <summary>PLU of a weighed item (4-5 digits); may be empty.</summary>
    public ReadOnlySpan<byte> Plu => GetText(CanonicalField.Plu);

    /// <summary>Whether the record has a GTIN.</summary>
    public bool HasGtin { get; private set; }

    /// <summary>The GTIN-14 (14 ASCII digits, check digit verified), or empty.</summary>
    public ReadOnlySpan<byte> Gtin => HasGtin ? _gtin : default;

    /// <summary>
    /// The GTIN is an in-store, variable-measure number (EAN-13 prefix 20-29 or UPC number system 2): valid only
    /// inside the retailer, kept as it is and flagged.
    /// </summary>
    public bool IsVariableMeasureGtin { get; set; }

    /// <summary>A weighed item: it has a PLU or a variable-measure GTIN.</summary>
    public bool IsWeighed => IsVariableMeasureGtin || !Plu.IsEmpty;

    /// <summary>Regular price, not negative.</summary>
    public decimal RegularPrice { get; set; }

    /// <summary>Sale price (not above <see cref="RegularPrice"/>), or <see langword="null"/>.</summary>
    public decimal? SalePrice { get; set; }

    /// <summary>First day of the sale, or <see langword="null"/>.</summary>
    public DateOnly? SaleStart { get; set; }

    /// <summary>Last day of the sale (not before <see cref="SaleStart"/>), or <see langword="null"/>.</summary>
    public DateOnly? SaleEnd { get; set; }

    /// <summary>ISO 4217 currency code of the prices (3 ASCII upper-case letters).</summary>
    public ReadOnlySpan<byte> Currency => _currency;

    /// <summary>Quantity on hand in <see cref="StoreId"/> (not negative), or <see langword="null"/> when unknown.</summary>
    public decimal? QuantityOnHand { get; set; }

    /// <summary>Whether the item is active (sellable).</summary>
    public bool IsActive { get; set; } = true;

    /// <summary>When the record last changed in the source, or <see langword="null"/>.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>Number of extra attributes.</summary>
    public int AttributeCount => _attributeNames.Count;

    /// <summary>Name of extra attribute <paramref name="index"/>.</summary>
    public string GetAttributeName(int index) => _attributeNames[index];

    /// <summary>Trimmed UTF-8 value of extra attribute <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> GetAttributeValue(int index) => GetSlot(CanonicalFields.Count + index);

    /// <summary>Sets the normalised GTIN-14.</summary>
    /// <exception cref="ArgumentException">Not 14 ASCII digits.</exception>
    public void SetGtin(ReadOnlySpan<byte> gtin14)
    {
        if (gtin14.Length != 14 || gtin14.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            throw new ArgumentException("A GTIN-14 is 14 digits.", nameof(gtin14));
        }

        gtin14.CopyTo(_gtin);
        HasGtin = true;
    }

    /// <summary>Sets the currency code.</summary>
    /// <exception cref="ArgumentException">Not 3 ASCII upper-case letters.</exception>
    public void SetCurrency(ReadOnlySpan<byte> code)
    {
        if (code.Length != 3 || code.ContainsAnyExceptInRange((byte)'A', (byte)'Z'))
        {
            throw new ArgumentException("A currency code is 3 upper-case letters.", nameof(code));
        }

        code.CopyTo(_currency);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> GetSlot(int slot) => new(_data, _ranges[slot * 2], _ranges[(slot * 2) + 1]);
}
