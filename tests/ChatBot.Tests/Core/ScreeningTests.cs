using ChatBot.Core.AdminFiles;
using ChatBot.Core.Screening;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Tests.Core;

public sealed class ScreeningTests : IDisposable
{
    private const string Words = """
        # test list
        赌博 | gambling
        代开发票 | fraud
        password dump | personal-data
        sex | adult
        ass | insult
        """;

    private readonly string _file = Path.GetTempFileName();
    private readonly HotReloadedFile<SensitiveWordList> _list;
    private readonly SensitiveWordScreener _screener;

    public ScreeningTests()
    {
        File.WriteAllText(_file, Words);
        _list = new HotReloadedFile<SensitiveWordList>(_file, SensitiveWordList.Parse, NullLogger.Instance);
        _screener = new SensitiveWordScreener(_list);
    }

    public void Dispose()
    {
        _list.Dispose();
        File.Delete(_file);
    }

    [Theory]
    [InlineData("我想赌博", "gambling")]
    [InlineData("我想赌 博", "gambling")]
    [InlineData("我想赌\u200B博", "gambling")]
    [InlineData("我想赌，博！", "gambling")]
    [InlineData("可以代-开-发-票吗", "fraud")]
    [InlineData("Ｐａｓｓｗｏｒｄ　Ｄｕｍｐ please", "personal-data")]
    [InlineData("PASSWORD_DUMP", "personal-data")]
    [InlineData("p.a.s.s.w.o.r.d d.u.m.p", "personal-data")]
    [InlineData("some S E X here", "adult")]
    [InlineData("you ass!", "insult")]
    public void Catches_evasions(string text, string category)
    {
        var hit = Assert.Single(_screener.Find(text));
        Assert.Equal(category, hit.Category);
    }

    [Theory]
    [InlineData("a class of its own")]
    [InlineData("Essex and Sussex")]
    [InlineData("the password is reset, dump truck")]
    [InlineData("赌 is one character, 博物馆 is a museum")]
    [InlineData("passwords dumped")]
    [InlineData("assistant")]
    public void Does_not_flag_harmless_neighbours(string text)
    {
        // The last Chinese case does contain 赌 and 博 in order, but a letter and words lie between them.
        if (text.StartsWith('赌'))
        {
            Assert.Empty(_screener.Find("赌场和博物馆"));
            return;
        }

        Assert.Empty(_screener.Find(text));
    }

    [Fact]
    public void Maps_a_match_back_to_the_original_span_and_masks_it()
    {
        const string text = "请问 赌，博 怎么办";
        var hit = Assert.Single(_screener.Find(text));

        Assert.Equal("赌，博", text[hit.Start..hit.End]);
        Assert.Equal("请问 *** 怎么办", _screener.Mask(text, [hit]));
    }

    [Fact]
    public void Streaming_holds_back_a_word_split_across_chunks()
    {
        var screen = new StreamingScreen(_screener, OutputAction.Mask, "safe");
        var sent = string.Concat(new[] { "我们来", "赌", "", "博吧", "，然后", "pass", "word ", "dum", "p 结束" }.Select(screen.Feed)) + screen.Finish();

        Assert.Equal("我们来**吧，然后******** **** 结束", sent);
        Assert.DoesNotContain("赌", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("pass", sent, StringComparison.Ordinal);
    }

    [Fact]
    public void Streaming_releases_clean_text_promptly()
    {
        var screen = new StreamingScreen(_screener, OutputAction.Mask, "safe");
        Assert.Equal("Hello ", screen.Feed("Hello "));
        Assert.Equal("world, ", screen.Feed("world, "));
        // "as" could be the start of "ass": held back until the next piece says otherwise.
        Assert.Equal("", screen.Feed("as"));
        Assert.Equal("assistant", screen.Feed("sistant"));
    }

    [Fact]
    public void Replace_mode_turns_the_whole_answer_into_the_safe_message()
    {
        var screen = new StreamingScreen(_screener, OutputAction.Replace, "SAFE");
        screen.Feed("fine text, ");
        screen.Feed("赌博");

        Assert.True(screen.Replaced);
        Assert.Equal("SAFE", screen.Released);
    }

    [Fact]
    public void Replace_mode_waits_for_a_whole_word_to_be_decided()
    {
        var screen = new StreamingScreen(_screener, OutputAction.Replace, "SAFE");
        Assert.Equal("our ", screen.Feed("our ass"));
        Assert.False(screen.Replaced);
        Assert.Equal("assistant is here", screen.Feed("istant is here") + screen.Finish());
        Assert.False(screen.Replaced);
        Assert.Equal(0, screen.Hits);
    }

    [Fact]
    public void Streaming_in_any_pieces_equals_screening_the_whole_answer()
    {
        string[] fragments =
        [
            "赌博", "赌 博", "代-开-发-票", "password dump", "PASSWORD_DUMP", "p.a.s.s word", "sex", "S E X", "ass", "class",
            "assistant", "you ass!", "😀", "Ｐａｓｓ", "年假", " ", "，", "\n", "a", "s", "博", "😀赌", "x", "ss", "mass",
        ];
        var random = new Random(3);
        for (var trial = 0; trial < 400; trial++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 14)).Select(_ => fragments[random.Next(fragments.Length)]));
            var whole = _screener.Find(text);
            var expected = _screener.Mask(text, whole);
            var screen = new StreamingScreen(_screener, OutputAction.Mask, "safe");
            var sent = new System.Text.StringBuilder();
            for (var at = 0; at < text.Length;)
            {
                var length = Math.Min(text.Length - at, random.Next(0, 5));
                sent.Append(screen.Feed(text.Substring(at, length)));
                at += length;
            }

            sent.Append(screen.Finish());
            Assert.True(expected == sent.ToString(), $"'{text}': whole gives '{expected}', streamed '{sent}'");
            Assert.Equal(expected, screen.Released);
            Assert.Equal(whole.Count, screen.Hits);
        }
    }

    [Fact]
    public async Task Hot_reload_applies_a_new_list_and_keeps_the_last_good_one_on_errors()
    {
        File.WriteAllText(_file, "新词 | custom\n");
        await _list.ReloadAsync();
        Assert.Equal("custom", Assert.Single(_screener.Find("这是新词")).Category);

        File.WriteAllText(_file, "bad | cat egory\n");
        await _list.ReloadAsync();
        Assert.Equal("custom", Assert.Single(_screener.Find("这是新词")).Category);
    }

    [Theory]
    [InlineData("word | bad category", "line 1")]
    [InlineData("# fine\n！！！ | x", "line 2")]
    public void Reports_what_is_wrong_with_a_list_line(string text, string where)
    {
        var error = Assert.Throws<AdminFileException>(() => SensitiveWordList.Parse(text, "words.txt"));
        Assert.Contains("words.txt " + where, error.Message, StringComparison.Ordinal);
    }
}
