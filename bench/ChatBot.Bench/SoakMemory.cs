using System.Collections.Concurrent;
using System.Diagnostics;

namespace ChatBot.Bench;

/// <summary>
/// Each instance's resident memory: the peak (sampled each second) and a point each minute, with the managed heap's
/// committed memory read from its /metrics beside it, so a rise can be told as the GC's or native (llama.cpp, malloc).
/// </summary>
internal sealed class SoakMemory(int instances, int[] ports)
{
    private const string ManagedMetric = "dotnet_gc_last_collection_memory_committed_size_bytes";
    private static readonly HttpClient Metrics = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly TimeSpan[] _since = new TimeSpan[instances];
    private readonly ConcurrentQueue<string> _events = new();

    public long[] Peaks { get; } = new long[instances];

    /// <summary>[minute, MB of each instance (0 while down)].</summary>
    public List<double[]> Curve { get; } = [];

    /// <summary>[minute, MB the GC had committed in each instance at its last collection (0 while down or unread)].</summary>
    public List<double[]> ManagedCurve { get; } = [];

    public IReadOnlyCollection<string> Events => _events;

    public void Note(string text) => _events.Enqueue(text);

    // The restarted instance's own slope is measured from its own eleventh minute.
    public void Restarted(int instance, TimeSpan at) => _since[instance] = at;

    public async Task SampleAsync(Process[] bots, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var nextMinute = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            var rss = bots.Select(Rss).ToArray();
            for (var b = 0; b < bots.Length; b++)
            {
                Peaks[b] = Math.Max(Peaks[b], rss[b]);
            }

            if (clock.Elapsed >= nextMinute)
            {
                Curve.Add([Math.Round(clock.Elapsed.TotalMinutes), .. rss.Select(r => Math.Round(r / 1e6))]);
                var managed = await Task.WhenAll(ports.Select(ManagedAsync));
                ManagedCurve.Add([Math.Round(clock.Elapsed.TotalMinutes), .. managed.Select(m => Math.Round(m / 1e6))]);
                nextMinute += TimeSpan.FromMinutes(1);
            }

            await Task.Delay(1000, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Least-squares slope of the instance's memory after its first ten minutes, in % of its mean per hour.</summary>
    public double SlopePercentPerHour(int instance)
    {
        var points = Curve.Where(c => c[0] >= _since[instance].TotalMinutes + 10 && c[instance + 1] > 0).Select(c => (X: c[0] / 60, Y: c[instance + 1])).ToList();
        if (points.Count < 3)
        {
            return double.NaN;
        }

        var (mx, my) = (points.Average(p => p.X), points.Average(p => p.Y));
        var slope = points.Sum(p => (p.X - mx) * (p.Y - my)) / points.Sum(p => (p.X - mx) * (p.X - mx));
        return 100 * slope / my;
    }

    private static async Task<double> ManagedAsync(int port)
    {
        try
        {
            var page = await Metrics.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            var line = page.Split('\n').FirstOrDefault(l => l.StartsWith(ManagedMetric, StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or FormatException)
        {
            return 0;
        }
    }

    private static long Rss(Process bot)
    {
        try
        {
            bot.Refresh();
            return bot.HasExited ? 0 : bot.WorkingSet64;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }
}
