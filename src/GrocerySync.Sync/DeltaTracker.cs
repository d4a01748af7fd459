using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

internal enum DeltaDecision
{
    New,
    Changed,
    Unchanged,
    Duplicate,
}

/// <summary>
/// Compares this run's records with the committed state and builds the next state. Records usually come in the same
/// order as last time, so the tracker first compares position by position and only falls back to a hash index
/// (built on the first miss) when the order differs.
/// </summary>
internal sealed class DeltaTracker
{
    // XxHash3 of real content is this value once in 2^64; a carried record of a run with another spec keeps it.
    private const ulong NotComparable = 0;

    private readonly DeltaState? _old;
    private readonly bool _contentComparable;
    private readonly ulong[] _seen;
    private int _cursor;
    private int[]? _index;
    private int _indexMask;
    private readonly NewKeySet _newKeys;
    private readonly HashSet<ulong> _deferredCarries = [];

    private ulong[] _keyHashes;
    private ulong[] _contentHashes;
    private uint[] _keyEnds;
    private byte[] _keys;
    private int _count;
    private int _keyLength;

    public DeltaTracker(DeltaState? old, bool contentComparable)
    {
        _old = old;
        _newKeys = new NewKeySet(this);
        _contentComparable = contentComparable && old is not null;
        var oldCount = old?.Count ?? 0;
        _seen = new ulong[(oldCount + 63) / 64];
        var capacity = Math.Max(1 << 14, oldCount + (oldCount / 16));
        _keyHashes = new ulong[capacity];
        _contentHashes = new ulong[capacity];
        _keyEnds = new uint[capacity];
        _keys = new byte[Math.Max(1 << 16, old?.Keys.Length + (old?.Keys.Length / 16) ?? 0)];
    }

    public int PreviousCount => _old?.Count ?? 0;

    /// <summary>Whether content hashes are comparable with the previous state (same spec fingerprint).</summary>
    public bool UsedContentHashes => _contentComparable;

    public int Matched { get; private set; }

    public int Count => _count;

    /// <summary>Whether the order of records differed from last time, so lookups were needed.</summary>
    public bool UsedLookups => _index is not null;

    public int DeletedCount => PreviousCount - Matched;

    /// <summary>
    /// In a first run, makes room for <paramref name="expectedRecords"/> records in the new state and as many new
    /// keys, with a little slack for an estimate on the low side. A delta run is already sized from the previous state
    /// (growing it again here would only leave a copy behind).
    /// </summary>
    public void Reserve(int expectedRecords)
    {
        if (_old is not null)
        {
            return;
        }

        var capacity = expectedRecords + (expectedRecords / 32);
        if (capacity > _keyHashes.Length)
        {
            Array.Resize(ref _keyHashes, capacity);
            Array.Resize(ref _contentHashes, capacity);
            Array.Resize(ref _keyEnds, capacity);
        }

        var keyBytes = _count == 0 ? 0 : (long)_keyLength * capacity / _count;
        if (keyBytes > _keys.Length)
        {
            Array.Resize(ref _keys, (int)Math.Min(keyBytes, Array.MaxLength));
        }

        _newKeys.Reserve(expectedRecords);
    }

    /// <summary>Starts fetching what <see cref="Classify"/> will read for a key that comes a few rows later (a first run only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(ulong keyHash)
    {
        if (_old is null)
        {
            _newKeys.Prefetch(keyHash);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DeltaDecision Classify(ulong keyHash, ulong contentHash, out int oldPosition)
    {
        oldPosition = Find(keyHash);
        if (oldPosition < 0)
        {
            return _newKeys.Contains(keyHash) ? DeltaDecision.Duplicate : DeltaDecision.New;
        }

        if (IsSeen(oldPosition))
        {
            return DeltaDecision.Duplicate;
        }

        return _contentComparable && _old!.ContentHashes[oldPosition] == contentHash ? DeltaDecision.Unchanged : DeltaDecision.Changed;
    }

    /// <summary>Records that the record reached the destination (or was unchanged) with this content.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Accept(int oldPosition, ulong keyHash, ulong contentHash, ReadOnlySpan<byte> key)
    {
        if (oldPosition >= 0)
        {
            MarkSeen(oldPosition);
            Append(keyHash, contentHash, key);
        }
        else
        {
            Append(keyHash, contentHash, key);
            _newKeys.Add(_count - 1);
        }
    }

    /// <summary>
    /// Keeps what was last committed for a record that is still in the source but not sent this run (rejected,
    /// or outside the changed-since window), so it is neither reported deleted nor hidden from the next run.
    /// </summary>
    public void Carry(ulong keyHash, ReadOnlySpan<byte> key)
    {
        if (_old is null)
        {
            return;
        }

        // Most carried rows (rejects) were never committed: rather than build the lookup index for them, match
        // them in one pass over the old state at the end.
        if (_cursor < _old.Count && _old.KeyHashes[_cursor] == keyHash)
        {
            if (!IsSeen(_cursor))
            {
                var pos = _cursor;
                MarkSeen(pos);
                Append(keyHash, CarriedContentHash(pos), key);
            }

            return;
        }

        if (_index is not null)
        {
            var pos = Lookup(keyHash);
            if (pos >= 0 && !IsSeen(pos))
            {
                MarkSeen(pos);
                Append(keyHash, CarriedContentHash(pos), key);
            }

            return;
        }

        _deferredCarries.Add(keyHash);
    }

    /// <summary>Keeps the committed state of carried rows that were not matched on the way; call once after the last row.</summary>
    public void ResolveDeferredCarries()
    {
        if (_old is null || _deferredCarries.Count == 0)
        {
            return;
        }

        var pending = _deferredCarries;
        var keys = _old.KeyHashes;
        for (var i = 0; i < _old.Count; i++)
        {
            if (!IsSeen(i) && pending.Remove(keys[i]))
            {
                _seen[i >> 6] |= 1UL << i;
                Matched++;
                Append(keys[i], CarriedContentHash(i), _old.GetKey(i));
                if (pending.Count == 0)
                {
                    break;
                }
            }
        }

        pending.Clear();
    }

    /// <summary>
    /// The content hash a carried record keeps: its last committed one when that is comparable with this run's spec,
    /// otherwise one that matches no content, so that the next run validates, filters and sends it again instead of
    /// taking it for unchanged (its old hash was taken under another mapping or filter).
    /// </summary>
    private ulong CarriedContentHash(int position) => _contentComparable ? _old!.ContentHashes[position] : NotComparable;

    /// <summary>Positions in the previous state of records gone from this run.</summary>
    public IEnumerable<int> DeletedPositions()
    {
        for (var i = 0; i < PreviousCount; i++)
        {
            if (!IsSeen(i))
            {
                yield return i;
            }
        }
    }

    public ReadOnlySpan<byte> GetPreviousKey(int position) => _old!.GetKey(position);

    public DeltaState Build(ulong fingerprint, DateTimeOffset committedAt, DateTimeOffset runStartedAt) =>
        new(_keyHashes, _contentHashes, _keyEnds, _keys, _count)
        {
            SpecFingerprint = fingerprint,
            CommittedAt = committedAt,
            RunStartedAt = runStartedAt,
        };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(ulong keyHash)
    {
        if (_old is null)
        {
            return -1;
        }

        if (_cursor < _old.Count && _old.KeyHashes[_cursor] == keyHash)
        {
            return _cursor;
        }

        return Lookup(keyHash);
    }

    private int Lookup(ulong keyHash)
    {
        if (_index is null)
        {
            BuildIndex();
        }

        var keys = _old!.KeyHashes;
        for (var slot = (int)(keyHash & (uint)_indexMask); ; slot = (slot + 1) & _indexMask)
        {
            var entry = _index![slot];
            if (entry == 0)
            {
                return -1;
            }

            if (keys[entry - 1] == keyHash)
            {
                return entry - 1;
            }
        }
    }

    private void BuildIndex()
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, _old!.Count * 2));
        _indexMask = size - 1;
        _index = new int[size];
        var keys = _old.KeyHashes;
        for (var i = 0; i < _old.Count; i++)
        {
            var slot = (int)(keys[i] & (uint)_indexMask);
            while (_index[slot] != 0)
            {
                slot = (slot + 1) & _indexMask;
            }

            _index[slot] = i + 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsSeen(int i) => (_seen[i >> 6] & (1UL << i)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MarkSeen(int i)
    {
        _seen[i >> 6] |= 1UL << i;
        Matched++;
        _cursor = i + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Append(ulong keyHash, ulong contentHash, ReadOnlySpan<byte> key)
    {
        if (_count == _keyHashes.Length)
        {
            var n = _keyHashes.Length * 2;
            Array.Resize(ref _keyHashes, n);
            Array.Resize(ref _contentHashes, n);
            Array.Resize(ref _keyEnds, n);
        }

        if (_keys.Length - _keyLength < key.Length)
        {
            Array.Resize(ref _keys, Math.Max(_keys.Length * 2, _keyLength + key.Length));
        }

        key.CopyTo(_keys.AsSpan(_keyLength));
        _keyLength += key.Length;
        _keyHashes[_count] = keyHash;
        _contentHashes[_count] = contentHash;
        _keyEnds[_count] = (uint)_keyLength;
        _count++;
    }

    /// <summary>
    /// The keys added as new in this run, as an open-addressing table of positions in the new state (4 bytes a slot
    /// instead of 8: the key hash itself is read from the new state's arrays). In a first run every row probes a
    /// random slot of a table far larger than the caches, so each slot also keeps 4 bits of the key hash (most
    /// probes of an occupied slot then end without reading the new state) and the engine prefetches the slot of a
    /// row a few rows ahead.
    /// </summary>
    private sealed class NewKeySet(DeltaTracker owner)
    {
        private const int PositionBits = 28;
        private const uint PositionMask = (1u << PositionBits) - 1;
        private uint[] _slots = new uint[1 << 12];
        private int _count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Contains(ulong hash)
        {
            if (_count == 0)
            {
                return false;
            }

            var mask = _slots.Length - 1;
            var tag = Tag(hash);
            for (var i = (int)(hash & (uint)mask); ; i = (i + 1) & mask)
            {
                var s = _slots[i];
                if (s == 0)
                {
                    return false;
                }

                if ((s & ~PositionMask) == tag && owner._keyHashes[(s & PositionMask) - 1] == hash)
                {
                    return true;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Prefetch(ulong hash)
        {
            if (Sse.IsSupported)
            {
                fixed (uint* slots = _slots)
                {
                    Sse.Prefetch0(slots + (hash & (uint)(_slots.Length - 1)));
                }
            }
        }

        /// <summary>Adds the entry at <paramref name="position"/> of the new state.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(int position)
        {
            if (position >= PositionMask)
            {
                ThrowTooMany();
            }

            if ((_count + 1) * 2 > _slots.Length)
            {
                Rehash(_slots.Length * 2);
            }

            Insert((uint)(position + 1) | Tag(owner._keyHashes[position]));
            _count++;
        }

        /// <summary>Grows the table once to the size <paramref name="count"/> keys will need.</summary>
        public void Reserve(int count)
        {
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(count, 1) * 2);
            if (size > _slots.Length)
            {
                Rehash(size);
            }
        }

        [DoesNotReturn]
        private static void ThrowTooMany() => throw new PluginException($"A run can hold at most {PositionMask:N0} records.");

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint Tag(ulong hash) => (uint)(hash >> 60) << PositionBits;

        private void Rehash(int size)
        {
            var old = _slots;
            _slots = new uint[size];
            foreach (var v in old)
            {
                if (v != 0)
                {
                    Insert(v);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Insert(uint entry)
        {
            var mask = _slots.Length - 1;
            var i = (int)(owner._keyHashes[(entry & PositionMask) - 1] & (uint)mask);
            while (_slots[i] != 0)
            {
                i = (i + 1) & mask;
            }

            _slots[i] = entry;
        }
    }
}
