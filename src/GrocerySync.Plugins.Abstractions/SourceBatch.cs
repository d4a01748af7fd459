using System.Runtime.CompilerServices;
using System.Text;

namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// A batch of raw source rows. Each row has a line number and, per slot (canonical field or attribute, see
/// <see cref="FieldMapping"/>), a range of UTF-8 bytes in the batch's data buffer. A missing field is empty.
/// </summary>
/// <remarks>
/// <para>Batches are pooled: a source gets one from <see cref="SourceReadContext.RentBatch"/>, fills it and yields it;
/// after yielding, the batch belongs to the engine and the source must not touch it again.</para>
/// <para>Simple sources call <see cref="AddRow"/> and <see cref="SetField(int, int, ReadOnlySpan{char})"/>. Fast
/// sources may read straight into the data buffer (<see cref="GetSpan"/>, <see cref="Advance"/>), edit it in place
/// (<see cref="Data"/>) and point fields at it with <see cref="SetFieldRange"/>, so no byte is copied twice.</para>
/// </remarks>
public sealed class SourceBatch
{
    private byte[] _data;
    private int _length;
    private int[] _ranges;
    private long[] _lines;
    private int _count;

    /// <summary>Creates an empty batch.</summary>
    /// <param name="slotCount">Slots per row (<see cref="FieldMapping.SlotCount"/>).</param>
    /// <param name="dataCapacity">Initial size of the data buffer in bytes; it grows when needed.</param>
    public SourceBatch(int slotCount, int dataCapacity = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, CanonicalFields.Count);
        SlotCount = slotCount;
        _data = new byte[Math.Max(dataCapacity, 256)];
        _lines = new long[256];
        _ranges = new int[256 * slotCount * 2];
    }

    /// <summary>Slots per row.</summary>
    public int SlotCount { get; }

    /// <summary>Number of rows.</summary>
    public int Count => _count;

    /// <summary>Bytes used in the data buffer.</summary>
    public int DataLength => _length;

    /// <summary>The used part of the data buffer, writable so a source can unescape fields in place.</summary>
    public Span<byte> Data => _data.AsSpan(0, _length);

    /// <summary>Capacity of the data buffer in bytes.</summary>
    public int DataCapacity => _data.Length;

    /// <summary>The 1-based line (or record) number of a row in the source, for reject messages.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long GetLineNumber(int row) => _lines[row];

    /// <summary>The UTF-8 text of a slot of a row; empty when the field is missing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> GetField(int row, int slot)
    {
        var i = ((row * SlotCount) + slot) * 2;
        return new ReadOnlySpan<byte>(_data, _ranges[i], _ranges[i + 1]);
    }

    /// <summary>
    /// Writes the (start, length) of every slot of <paramref name="row"/>, without surrounding spaces, tabs and line
    /// breaks, into <paramref name="ranges"/> and returns the buffer they index.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal byte[] GetTrimmedRanges(int row, Span<int> ranges)
    {
        var source = _ranges.AsSpan(row * SlotCount * 2, SlotCount * 2);
        for (var i = 0; i < source.Length; i += 2)
        {
            var start = source[i];
            var length = source[i + 1];
            if (length > 0 && (_data[start] <= (byte)' ' || _data[start + length - 1] <= (byte)' '))
            {
                var field = _data.AsSpan(start, length);
                var trimmed = field.TrimStart(" \t\r\n"u8);
                start += length - trimmed.Length;
                length = trimmed.TrimEnd(" \t\r\n"u8).Length;
            }

            ranges[i] = start;
            ranges[i + 1] = length;
        }

        return _data;
    }

    /// <summary>Starts a new row with every field empty and returns its index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int AddRow(long lineNumber)
    {
        if (_count == _lines.Length)
        {
            Grow();
        }

        _lines[_count] = lineNumber;
        _ranges.AsSpan(_count * SlotCount * 2, SlotCount * 2).Clear();
        return _count++;
    }

    private void Grow()
    {
        Array.Resize(ref _lines, _lines.Length * 2);
        Array.Resize(ref _ranges, _ranges.Length * 2);
    }

    /// <summary>Removes the last row (for a source that finds a row bad half-way through filling it).</summary>
    public void RemoveLastRow()
    {
        if (_count > 0)
        {
            _count--;
        }
    }

    /// <summary>Points a slot at <paramref name="length"/> bytes of the data buffer starting at <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetFieldRange(int row, int slot, int start, int length)
    {
        if ((uint)slot >= (uint)SlotCount || (uint)row >= (uint)_count || (ulong)(uint)start + (uint)length > (uint)_length)
        {
            ThrowRange();
        }

        var i = ((row * SlotCount) + slot) * 2;
        _ranges[i] = start;
        _ranges[i + 1] = length;
    }

    /// <summary>Copies UTF-8 text into the batch and points a slot at it.</summary>
    public void SetField(int row, int slot, ReadOnlySpan<byte> utf8)
    {
        var start = _length;
        utf8.CopyTo(GetSpan(utf8.Length));
        Advance(utf8.Length);
        SetFieldRange(row, slot, start, utf8.Length);
    }

    /// <summary>Encodes text as UTF-8 into the batch and points a slot at it.</summary>
    public void SetField(int row, int slot, ReadOnlySpan<char> text)
    {
        var start = _length;
        var written = Encoding.UTF8.GetBytes(text, GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        Advance(written);
        SetFieldRange(row, slot, start, written);
    }

    /// <summary>Sets a canonical field of a row from text.</summary>
    public void SetField(int row, CanonicalField field, ReadOnlySpan<char> text) => SetField(row, (int)field, text);

    /// <summary>
    /// Free space at the end of the data buffer of at least <paramref name="sizeHint"/> bytes (growing the buffer,
    /// which keeps existing ranges valid). Write into it, then call <see cref="Advance"/>.
    /// </summary>
    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>Like <see cref="GetSpan"/>, for asynchronous reads straight into the batch.</summary>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_data.Length - _length < Math.Max(sizeHint, 1))
        {
            var size = Math.Max(_data.Length * 2, _length + sizeHint);
            Array.Resize(ref _data, size);
        }

        return _data.AsMemory(_length);
    }

    /// <summary>Marks <paramref name="count"/> bytes after <see cref="DataLength"/> as used.</summary>
    public void Advance(int count)
    {
        if (count < 0 || _length + count > _data.Length)
        {
            ThrowRange();
        }

        _length += count;
    }

    /// <summary>Removes every row and all data; keeps the buffers for reuse.</summary>
    public void Clear()
    {
        _count = 0;
        _length = 0;
    }

    private static void ThrowRange() => throw new ArgumentOutOfRangeException(null, "Field range outside the batch's rows, slots or data.");
}
