namespace GrocerySync.Hub;

/// <summary>The wait between two passes of a background service.</summary>
internal static class NextPass
{
    /// <summary>
    /// Waits <paramref name="interval"/> on <paramref name="time"/>; false once the hub is stopping. Unlike a
    /// <see cref="PeriodicTimer"/>, a clock that jumps ahead (a suspended VM that resumes, a fake clock in tests) gives
    /// one pass, not a burst of one pass per missed period.
    /// </summary>
    public static async Task<bool> WaitAsync(this TimeProvider time, TimeSpan interval, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(interval, time, stopping);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
