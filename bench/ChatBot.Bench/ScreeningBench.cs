using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Screening;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Bench;

/// <summary>
/// Screening throughput with a 10,000-entry list over a ~1 MB mixed Chinese/Latin text, beside a compiled .NET
/// Regex alternation of the same words (case-sensitive, no normalisation: what a naive filter does; .NET turns
/// such an alternation into a multi-string search). With IgnoreCase the regex took minutes on this input.
/// </summary>
internal static class ScreeningBench
{
    public static int Run(string[] args)
    {
        var random = new Random(42);
        var words = Enumerable.Range(0, 10_000).Select(i => i % 2 == 0 ? Cjk(random, 2 + random.Next(3)) : Latin(random, 5 + random.Next(6))).Distinct().ToList();
        var phase = Stopwatch.StartNew();
        var file = Path.GetTempFileName();
        File.WriteAllText(file, string.Join('\n', words.Select((w, i) => $"{w} | c{i % 7}")));
        using var list = new HotReloadedFile<SensitiveWordList>(file, SensitiveWordList.Parse, NullLogger.Instance);
        var screener = new SensitiveWordScreener(list);
        Console.Error.WriteLine($"screening: list of {words.Count} built in {phase.Elapsed.TotalSeconds:F2} s");

        var text = new StringBuilder();
        while (text.Length < 500_000)
        {
            text.Append(Cjk(random, 12)).Append("，").Append(Latin(random, 6)).Append(' ').Append(Latin(random, 4)).Append("。 ");
            if (random.Next(200) == 0)
            {
                text.Append(words[random.Next(words.Count)]).Append(' ');
            }
        }

        var corpus = text.ToString();
        var megabytes = Encoding.UTF8.GetByteCount(corpus) / 1e6;
        phase.Restart();
        screener.Find(corpus);
        Console.Error.WriteLine($"screening: first pass in {phase.Elapsed.TotalSeconds:F2} s");
        phase.Restart();
        var regex = new Regex(string.Join('|', words.Select(Regex.Escape)), RegexOptions.Compiled | RegexOptions.CultureInvariant);

        regex.Count("warm up");
        Console.Error.WriteLine($"screening: regex built in {phase.Elapsed.TotalSeconds:F2} s");
        var ours = new List<double>();
        var peer = new List<double>();
        int ourHits = 0, peerHits = 0;
        for (var round = 0; round < 7; round++)
        {
            var watch = Stopwatch.StartNew();
            ourHits = screener.Find(corpus).Count;
            ours.Add(megabytes / watch.Elapsed.TotalSeconds);
            watch.Restart();
            peerHits = regex.Count(corpus);
            peer.Add(megabytes / watch.Elapsed.TotalSeconds);
        }

        // A long streamed answer in token-sized pieces, beside screening and masking the whole answer once.
        var answer = corpus[..20_000];
        var streamed = new List<double>();
        var whole = new List<double>();
        for (var round = 0; round < 7; round++)
        {
            var watch = Stopwatch.StartNew();
            var screen = new StreamingScreen(screener, OutputAction.Mask, "safe");
            for (var at = 0; at < answer.Length; at += 3)
            {
                screen.Feed(answer.Substring(at, Math.Min(3, answer.Length - at)));
            }

            screen.Finish();
            streamed.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            screener.Mask(answer, screener.Find(answer));
            whole.Add(watch.Elapsed.TotalMilliseconds);
        }

        File.Delete(file);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            streamAnswerChars = answer.Length,
            streamedMs = Median(streamed),
            wholeMs = Median(whole),
            entries = words.Count,
            megabytes,
            oursMBps = Median(ours),
            regexMBps = Median(peer),
            ourHits,
            regexHits = peerHits,
        }));
        return 0;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Cjk(Random random, int length) => new([.. Enumerable.Range(0, length).Select(_ => (char)random.Next(0x4E00, 0x4E00 + 3000))]);

    private static string Latin(Random random, int length) => new([.. Enumerable.Range(0, length).Select(_ => (char)random.Next('a', 'z' + 1))]);
}
