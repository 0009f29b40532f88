using System.Text.RegularExpressions;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>
/// The weights are read into memory at start and moved onto huge pages once start-up's burst is over: after the
/// warm-up question, or as soon as the host has started without one. In a process of its own, as the bot runs: in
/// the test process, earlier tests leave freed memory in glibc's heaps that a load can be read into, which a bot
/// that has just started does not have (a 42 MB model was, once, in CI). A model larger than a glibc thread heap,
/// as every real one is (TestModels.Wide).
/// </summary>
public sealed partial class HugePagesStartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-hugepages").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_weights_move_onto_huge_pages_once_start_up_is_over(bool warmUp)
    {
        var settings = BotProcess.LocalSettings(_folder);
        settings["Inference:ModelPath"] = TestModels.Wide;
        settings["Inference:WarmUp"] = warmUp ? "true" : "false";
        using var bot = BotProcess.Start(settings, _folder);

        await QuotaIntakeTests.WaitUntil(() => Events(bot).Any(e => e.Id is 4202 or 4203) || bot.HasExited, 60);
        var events = Events(bot);
        Assert.True(events.Exists(e => e.Id == 4200), string.Join('\n', bot.Output));
        Assert.Contains("read into memory", events.Single(e => e.Id == 4200).Text, StringComparison.Ordinal);
        var moved = events.FindIndex(e => e.Id == 4202);
        Assert.True(moved >= 0, events.FirstOrDefault(e => e.Id == 4203).Text);
        Assert.Matches(@"huge pages: [1-9]\d* MiB", events[moved].Text);
        var warmedUp = events.FindIndex(e => e.Id == 4300);
        Assert.True(warmUp ? warmedUp >= 0 && moved > warmedUp : warmedUp < 0, $"warm-up logged at {warmedUp}, the move at {moved}");
    }

    /// <summary>The console log's entries: a "level: Category[id]" line, then the message's indented lines.</summary>
    private static List<(int Id, string Text)> Events(BotProcess bot)
    {
        var events = new List<(int Id, string Text)>();
        foreach (var line in bot.Output.ToArray())
        {
            if (EntryHead().Match(line) is { Success: true } head)
            {
                events.Add((int.Parse(head.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture), ""));
            }
            else if (events.Count > 0 && line.StartsWith(' '))
            {
                events[^1] = (events[^1].Id, (events[^1].Text + " " + line.Trim()).Trim());
            }
        }

        return events;
    }

    [GeneratedRegex(@"^\w+: \S+\[(\d+)\]$")]
    private static partial Regex EntryHead();
}
