using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ChatBot.Inference.Native;

/// <summary>
/// Moves the model's weights onto 2 MiB transparent huge pages. Generation reads every weight once per step; on
/// 4 KiB pages that is a TLB miss every few kilobytes, and on huge pages one chat generates about a tenth faster
/// (README, Benchmarks). llama.cpp never asks for them: mapped from the file, the weights sit on page-cache pages,
/// which a shared file mapping cannot have huge; read into memory, they land in glibc's anonymous mappings, which a
/// kernel in THP mode <c>madvise</c> (Debian's default) backs with small pages unless told otherwise.
/// <para>
/// So the model is read into memory, the anonymous mappings that appeared and filled during the load are noted (a
/// before/after look at <c>/proc/self/maps</c> and <c>smaps</c>: llama.cpp does not expose its buffers, and a mapping
/// noted by mistake only gets huge pages too), and <see cref="Promote"/> asks the kernel to collapse them in place
/// (<c>MADV_COLLAPSE</c>, Linux 6.1) — safe while the model is in use, so it runs after start-up, off the path to
/// ready: faulting huge pages in during the load instead measured up to a second slower to start on this machine.
/// </para>
/// <para>
/// Only mappings of their own can be found so. glibc serves a request from memory it already holds before it maps
/// new (its mmap threshold, at most 32 MiB, only applies then), and a thread's heap holds up to 64 MiB: weights
/// larger than that — every real model's — get a mapping of their own, as the main heap holds nothing so large at
/// start. A smaller model's may be read into freed memory glibc kept (measured: 40 MiB after a thread freed 60),
/// stay on small pages, and the log says so.
/// </para>
/// </summary>
internal sealed partial class HugePageWeights
{
    private const int MadvHugePage = 14;
    private const int MadvCollapse = 25;
    private const int EAgain = 11;
    private const ulong HugePage = 2 << 20;

    /// <summary>The longest rest between two collapses (one that waited long on compaction is not matched in full).</summary>
    private static readonly TimeSpan MaxRest = TimeSpan.FromMilliseconds(20);

    private readonly HashSet<(ulong Start, ulong End)> _before;
    private readonly List<(ulong Start, ulong End)> _mappings = [];
    private bool _changed;

    private HugePageWeights() => _before = [.. AnonymousMappings()];

    /// <summary>Bytes in the mappings the load created, which <see cref="Promote"/> works on.</summary>
    public long Bytes => _mappings.Sum(mapping => (long)(mapping.End - mapping.Start));

    /// <summary>Whether this kernel backs advised memory with transparent huge pages (mode <c>always</c> or <c>madvise</c>).</summary>
    public static bool Offered => OperatingSystem.IsLinux() && SystemMode() is "always" or "madvise";

    /// <summary>
    /// Notes the anonymous mappings before a load that reads the model into memory (null where the kernel offers no
    /// huge pages, and the model is better mapped from its file).
    /// </summary>
    public static HugePageWeights? Begin() => Offered ? new HugePageWeights() : null;

    /// <summary>The kernel's THP mode (<c>always</c>, <c>madvise</c>, <c>never</c>), or null where it cannot say.</summary>
    public static string? SystemMode()
    {
        try
        {
            var text = File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled");
            var open = text.IndexOf('[', StringComparison.Ordinal);
            var close = text.IndexOf(']', StringComparison.Ordinal);
            return open >= 0 && close > open ? text[(open + 1)..close] : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Notes the mappings of at least one huge page that the load created and filled: the weights are read in, so
    /// their memory is resident; a thread's new stack (8 MiB, a few kilobytes touched) is not, and stays small.
    /// </summary>
    public void End() =>
        _mappings.AddRange(Smaps("Rss:")
            .Where(m => m.Anonymous && m.End - m.Start >= HugePage && !_before.Contains((m.Start, m.End)) && m.Kilobytes * 1024 * 2 >= (long)(m.End - m.Start))
            .Select(m => (m.Start, m.End)));

    /// <summary>
    /// Advises and collapses the noted mappings. A range the kernel finds busy (<c>EAGAIN</c>) is tried once more and
    /// otherwise left to khugepaged, which the advice also enlists. A noted mapping that has since changed (another
    /// thread's, since freed or made inaccessible) is left alone, and its failure is not the weights'.
    /// </summary>
    /// <returns>What now sits on huge pages, how long it took, and the first error the kernel gave, if any.</returns>
    public (long HugePageBytes, TimeSpan Elapsed, string? Error) Promote()
    {
        var started = Stopwatch.GetTimestamp();
        var now = AnonymousMappings().OrderBy(mapping => mapping.Start).ToList();
        _changed |= _mappings.RemoveAll(mapping => !Unchanged(mapping, now)) > 0;
        string? error = _mappings.Count > 0 ? null
            : _changed ? "the mappings the load created changed since (freed, or made inaccessible): nothing left to move"
            : "no memory mapping of at least 2 MiB appeared during the load (a model under 64 MiB can be read into memory glibc already held)";

        foreach (var (start, end) in _mappings)
        {
            string? failure = null;
            if (madvise((nint)start, (nuint)(end - start), MadvHugePage) != 0)
            {
                failure = $"madvise(MADV_HUGEPAGE) failed with errno {Marshal.GetLastPInvokeError()}";
            }

            // One huge page a call: the kernel takes the process's memory-map lock for each collapse, and the JIT,
            // the GC and the requests after start need it too; a whole mapping at once held them off. Then a rest as
            // long as the call took, so the copy takes at most half a core. Paced, not niced: a nice-19 thread that
            // holds the lock is preempted by every busy thread and the whole process waits on it (callbacks stalled
            // 2–3 s on a loaded 2-core machine, past DingTalk's deadline); the kernel does not lend it priority.
            for (var page = (start + HugePage - 1) & ~(HugePage - 1); failure is null && page + HugePage <= end; page += HugePage)
            {
                var collapseStarted = Stopwatch.GetTimestamp();
                failure = Collapse(page);
                Thread.Sleep(TimeSpan.FromTicks(Math.Min(Stopwatch.GetElapsedTime(collapseStarted).Ticks, MaxRest.Ticks)));
            }

            if (failure is not null && Unchanged((start, end), [.. AnonymousMappings().OrderBy(mapping => mapping.Start)]))
            {
                error ??= failure;
            }
        }

        return (HugePageBytes(), Stopwatch.GetElapsedTime(started), error);
    }

    /// <summary>
    /// Whether the range is still private anonymous read-write memory, end to end. Not the same mapping: the kernel
    /// merges a neighbour allocated later (the KV cache) into it, which changes nothing for the range.
    /// </summary>
    private static bool Unchanged((ulong Start, ulong End) range, List<(ulong Start, ulong End)> sortedMappings)
    {
        var covered = range.Start;
        foreach (var (start, end) in sortedMappings)
        {
            if (start <= covered && end > covered)
            {
                covered = end;
            }
        }

        return covered >= range.End;
    }

    /// <returns>Null when the page is huge now or the kernel was busy twice (khugepaged will see to it); else the error.</returns>
    private static string? Collapse(ulong page)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (madvise((nint)page, (nuint)HugePage, MadvCollapse) == 0)
            {
                return null;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != EAgain)
            {
                return $"madvise(MADV_COLLAPSE) failed with errno {errno}{(errno == 22 ? " (a kernel before 6.1?)" : "")}";
            }
        }

        return null;
    }

    /// <summary>How much of the noted mappings the kernel backs with huge pages now (<c>AnonHugePages</c> in smaps).</summary>
    public long HugePageBytes() =>
        Smaps("AnonHugePages:").Where(m => _mappings.Exists(mapping => m.Start >= mapping.Start && m.Start < mapping.End)).Sum(m => m.Kilobytes * 1024);

    /// <summary>Each mapping in /proc/self/smaps, whether it is anonymous, and one of its fields in kB.</summary>
    private static IEnumerable<(ulong Start, ulong End, bool Anonymous, long Kilobytes)> Smaps(string field)
    {
        (ulong Start, ulong End, bool Anonymous)? current = null;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (TryParseRange(line, out var start, out var end))
            {
                current = (start, end, IsAnonymous(line));
            }
            else if (current is { } mapping && line.StartsWith(field, StringComparison.Ordinal))
            {
                yield return (mapping.Start, mapping.End, mapping.Anonymous, Kilobytes(line));
                current = null;
            }
        }
    }

    /// <summary>Private writable mappings with no file behind them (lines of /proc/self/maps without a path).</summary>
    private static IEnumerable<(ulong Start, ulong End)> AnonymousMappings()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            if (IsAnonymous(line) && TryParseRange(line, out var start, out var end))
            {
                yield return (start, end);
            }
        }
    }

    // "start-end perms offset dev inode [path]": anonymous when the inode is 0 and no path follows
    private static bool IsAnonymous(string line)
    {
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length == 5 && fields[1] == "rw-p" && fields[4] == "0";
    }

    // "Rss:                8 kB"
    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);

    /// <summary>Reads "start-end" at the head of a maps or smaps line; false for smaps' field lines ("Rss: …").</summary>
    private static bool TryParseRange(string line, out ulong start, out ulong end)
    {
        start = end = 0;
        var dash = line.IndexOf('-', StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return dash > 0 && space > dash
            && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out start)
            && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out end);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);

}
