using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace GrocerySync.Hub.Data;

/// <summary>Stores a <see cref="DateTimeOffset"/> as UTC ticks, so SQLite can order and compare it.</summary>
internal sealed class DateTimeOffsetTicksConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.UtcTicks,
    v => new DateTimeOffset(v, TimeSpan.Zero));

/// <summary>Normalises a <see cref="DateTimeOffset"/> to UTC, the only offset PostgreSQL's timestamptz accepts.</summary>
internal sealed class UtcDateTimeOffsetConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(
    v => v.ToUniversalTime(),
    v => v);
