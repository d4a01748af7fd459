using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;

namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// A growable UTF-8 output buffer with fast writers for the formats feeds use (TSV, CSV, JSON). It is also an
/// <see cref="IBufferWriter{T}"/>, so an adapter can hand it to <c>Utf8JsonWriter</c> or any span-based formatter.
/// The engine drains it to the destination between batches, always at a record boundary.
/// </summary>
public sealed class OutputBuffer : IBufferWriter<byte>
{
    private static readonly SearchValues<byte> CsvSpecial = SearchValues.Create("\"\r\n"u8);
    private static readonly SearchValues<byte> TsvSpecial = SearchValues.Create("\t\r\n"u8);
    private static readonly SearchValues<byte> JsonSpecial = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);

    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a buffer with the given initial capacity in bytes.</summary>
    public OutputBuffer(int initialCapacity = 1 << 16)
    {
        _buffer = new byte[Math.Max(initialCapacity, 64)];
    }

    /// <summary>Bytes written so far.</summary>
    public int WrittenCount => _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Forgets everything written; keeps the memory.</summary>
    public void Clear() => _length = 0;

    /// <summary>Drops everything written after <paramref name="length"/> bytes (to undo a half-written record).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)_length, nameof(length));
        _length = length;
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _length))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _length += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    /// <summary>Writes bytes as they are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(ReadOnlySpan<byte> utf8)
    {
        if (_buffer.Length - _length < utf8.Length)
        {
            Grow(utf8.Length);
        }

        utf8.CopyTo(_buffer.AsSpan(_length));
        _length += utf8.Length;
    }

    /// <summary>Writes one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    /// <summary>Writes text as UTF-8.</summary>
    public void Write(ReadOnlySpan<char> text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    /// <summary>Writes a whole number.</summary>
    public void WriteInt64(long value)
    {
        Ensure(20);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out var n);
        _length += n;
    }

    /// <summary>
    /// Writes a decimal with exactly <paramref name="decimals"/> digits after the point (rounded half away from zero
    /// when the value has more), invariant culture: <c>12.50</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteDecimal(decimal value, int decimals = 2)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)decimals, 8u, nameof(decimals));
        Ensure(40);
        var scale = value.Scale;
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        if (bits[2] == 0 && bits[1] == 0 && scale <= decimals)
        {
            // Fast path: the unscaled value fits 32 bits, as every shelf price does.
            var units = (ulong)(uint)bits[0];
            for (var i = scale; i < decimals; i++)
            {
                units *= 10;
            }

            var span = _buffer.AsSpan(_length);
            var p = 0;
            if (value < 0)
            {
                span[p++] = (byte)'-';
            }

            ulong pow = 1;
            for (var i = 0; i < decimals; i++)
            {
                pow *= 10;
            }

            Utf8Formatter.TryFormat(units / pow, span[p..], out var n);
            p += n;
            if (decimals > 0)
            {
                span[p++] = (byte)'.';
                var frac = units % pow;
                for (var i = decimals - 1; i >= 0; i--)
                {
                    span[p + i] = (byte)('0' + (int)(frac % 10));
                    frac /= 10;
                }

                p += decimals;
            }

            _length += p;
            return;
        }

        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        Span<char> fmt = ['F', (char)('0' + decimals)];
        rounded.TryFormat(_buffer.AsSpan(_length), out var written, fmt, System.Globalization.CultureInfo.InvariantCulture);
        _length += written;
    }

    /// <summary>Writes a date as <c>yyyy-MM-dd</c>.</summary>
    public void WriteDate(DateOnly date)
    {
        Ensure(10);
        var s = _buffer.AsSpan(_length, 10);
        Digits(s[..4], date.Year);
        s[4] = (byte)'-';
        Digits(s.Slice(5, 2), date.Month);
        s[7] = (byte)'-';
        Digits(s.Slice(8, 2), date.Day);
        _length += 10;
    }

    /// <summary>Writes a TSV field: tabs and line breaks become spaces (feed formats allow no escaping).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTsvField(ReadOnlySpan<byte> value)
    {
        var start = _length;
        Write(value);
        if (value.ContainsAny(TsvSpecial))
        {
            _buffer.AsSpan(start, value.Length).ReplaceAny(TsvSpecial, (byte)' ');
        }
    }

    /// <summary>Writes a CSV field (RFC 4180), quoting it when it holds the delimiter, a quote or a line break.</summary>
    public void WriteCsvField(ReadOnlySpan<byte> value, byte delimiter = (byte)',')
    {
        if (!value.ContainsAny(CsvSpecial) && value.IndexOf(delimiter) < 0)
        {
            Write(value);
            return;
        }

        Ensure((value.Length * 2) + 2);
        var s = _buffer.AsSpan(_length);
        var p = 0;
        s[p++] = (byte)'"';
        foreach (var b in value)
        {
            if (b == (byte)'"')
            {
                s[p++] = (byte)'"';
            }

            s[p++] = b;
        }

        s[p++] = (byte)'"';
        _length += p;
    }

    /// <summary>Writes a quoted JSON string with the required escapes.</summary>
    public void WriteJsonString(ReadOnlySpan<byte> value)
    {
        WriteByte((byte)'"');
        while (true)
        {
            var i = value.IndexOfAny(JsonSpecial);
            if (i < 0)
            {
                Write(value);
                break;
            }

            Write(value[..i]);
            var b = value[i];
            switch (b)
            {
                case (byte)'"': Write("\\\""u8); break;
                case (byte)'\\': Write("\\\\"u8); break;
                case (byte)'\n': Write("\\n"u8); break;
                case (byte)'\r': Write("\\r"u8); break;
                case (byte)'\t': Write("\\t"u8); break;
                default:
                    Write("\\u00"u8);
                    WriteByte((byte)"0123456789abcdef"[b >> 4]);
                    WriteByte((byte)"0123456789abcdef"[b & 0xF]);
                    break;
            }

            value = value[(i + 1)..];
        }

        WriteByte((byte)'"');
    }

    private static void Digits(Span<byte> target, int value)
    {
        for (var i = target.Length - 1; i >= 0; i--)
        {
            target[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int size)
    {
        if (_buffer.Length - _length < size)
        {
            Grow(size);
        }
    }

    private void Grow(int size) => Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
}
