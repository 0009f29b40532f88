using System.Text.RegularExpressions;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Util;

namespace ChatBot.Knowledge.Search;

/// <summary>
/// The words of a question that carry its meaning: Chinese segmented into words (SmartCn's dictionary and HMM),
/// Latin into words; question words, pronouns, particles and words that every policy uses (公司, 员工, 每人, 每年,
/// 部门 …) removed. Used to decide whether a passage answers the question at all, where a BM25 score cannot.
/// </summary>
public static partial class KeyTerms
{
    private static readonly HashSet<string> Generic = new(StringComparer.OrdinalIgnoreCase)
    {
        // Chinese: pronouns, particles, auxiliaries, question words, quantities, and words all HR documents share.
        "我", "你", "您", "他", "她", "它", "我们", "你们", "他们", "自己", "大家", "的", "地", "得", "了", "着", "过", "吗", "呢", "吧", "啊", "呀",
        "么", "嘛", "哦", "是", "在", "有", "没", "没有", "和", "与", "及", "或", "或者", "都", "也", "就", "还", "又", "再", "才", "要", "能", "能不能",
        "可以", "可", "会", "想", "不想", "需要", "应该", "得", "该", "怎么", "怎么办", "怎样", "如何", "什么", "啥", "多少", "几", "哪", "哪里",
        "哪些", "哪个", "谁", "为什么", "为啥", "是否", "请问", "请", "问", "一下", "一", "个", "这", "那", "这个", "那个", "这些", "那些",
        "说", "给", "让", "被", "把", "从", "对", "到", "向", "跟", "里", "上", "下", "中", "内", "外", "点", "很", "太", "最", "更", "多", "少",
        "不", "别", "没法", "公司", "员工", "单位", "规定", "制度", "政策", "办法", "相关", "每人", "每年", "每月", "每天", "部门", "年", "月",
        "日", "天", "周", "号", "次", "时候", "现在", "今天", "明天", "今年", "明年", "多久", "多长", "钱", "元", "吗？", "呢？", "人",
        // Function words of everyday speech: time, quantity and manner, none of them what a question is about.
        "以后", "之后", "以前", "之前", "后来", "然后", "出来", "起来", "下来", "上来", "下去", "上去", "过来", "直接", "一个", "一下子", "还有", "怎么样", "咋", "咋办", "咋弄", "咋整", "啥时候",
        "什么时候", "的话", "一些", "有点", "一点", "已经", "马上", "刚刚", "刚", "正在", "如果", "要是", "但是", "可是", "因为", "所以", "而且",
        "这样", "那样", "怎么弄", "行不行", "行不", "好不好", "对不对", "有没有", "是不是", "能否", "多大", "几个", "几天", "几点", "上次", "下次",
        "这次", "每次", "一直", "总是", "经常", "之内", "以内", "以上", "以下", "左右", "大概", "大约", "差不多", "得到", "拿到", "知道", "觉得",
        // Cantonese as Hong Kong staff write it (after traditional characters are read as simplified: 係 is 系):
        // the same question words and particles as the Mandarin ones above.
        "几多", "冇", "系", "咩", "唔", "嘅", "佢", "佢哋", "乜", "乜嘢", "嘢", "啲", "咁", "喺", "嚟", "点样", "边个", "边度", "几时",
        "使", "使唔使", "可唔可以", "可不可以", "要不要", "需不需要",
        // When, said the everyday way: a question's date is rarely its subject.
        "上周", "下周", "本周", "这周", "上个月", "下个月", "这个月", "本月", "上月", "下月", "礼拜", "上礼拜", "下礼拜", "这礼拜", "星期",
        "上星期", "下星期", "昨天", "前天", "后天", "去年", "前年", "最近", "刚才",
        // Greetings and thanks: a message of only these is not a policy question.
        "你好", "您好", "好", "嗯", "嗨", "哈喽", "谢谢", "多谢", "感谢", "再见", "拜拜", "早上好", "上午好", "下午好", "晚上好", "在吗", "在不在", "好的", "收到",
        "hello", "hi", "hey", "thanks", "thank", "bye", "ok", "okay",
        // English.
        "a", "an", "the", "is", "are", "am", "be", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "may", "might",
        "must", "i", "me", "my", "we", "our", "you", "your", "it", "its", "there", "here", "this", "that", "these", "those", "on", "in", "at",
        "of", "for", "to", "from", "by", "with", "about", "as", "and", "or", "not", "no", "how", "what", "when", "where", "which", "who",
        "why", "much", "many", "any", "some", "get", "have", "has", "please", "company", "employee", "employees", "policy", "rule", "rules",
        "hr", // who is asked, as 公司 and 部门 are: not what about
        "long", // "how long", as 多久 and 多长
        // When, in English, as the Chinese above: "next month", "this morning" date a question, they are not its subject.
        "next", "later", "tonight", "morning", "afternoon", "evening", "week", "weeks", "month", "months", "year", "years",
        "january", "february", "march", "april", "june", "july", "august", "september", "october", "november", "december",
    };

    /// <summary>
    /// Everyday verbs that stand for any action (去, 来, 拿, 找, 弄, 搞, 干, 整: "go", "get", "do"), and "each", "together":
    /// a question is about what they are done to, not about them. Unlike <see cref="Generic"/> they may still be part
    /// of a word the segmenter split (去|查 is not a word, but 干|部 is), so they are left out only at the end.
    /// </summary>
    private static readonly HashSet<string> Light = new(StringComparer.Ordinal) { "去", "来", "拿", "找", "弄", "搞", "干", "整", "每个", "每周", "一起" };

    /// <summary>
    /// The key terms; with <paramref name="isWord"/>, single characters the segmenter left side by side (病|价, 积|效,
    /// 裸|辞) are joined again where the join is a word after all — in the dictionary, in the documents, or sounding
    /// like the documents' — since a segmenter only splits a word it does not know, as a typo or slang is.
    /// </summary>
    public static IReadOnlyList<string> Of(string question, Func<string, bool>? isWord = null)
    {
        var terms = new List<string>();
        // "how many days" asks what 几天 asks: the unit is the answer's, not the question's subject.
        question = HowMany().Replace(question, " ");
        foreach (Match run in Runs().Matches(question))
        {
            if (run.Value.All(c => c <= 0x7F))
            {
                terms.Add(run.Value.ToLowerInvariant());
            }
            else
            {
                terms.AddRange(isWord is null ? Segment(run.Value) : Rejoin(Segment(run.Value), isWord));
            }
        }

        return terms.Where(t => !Generic.Contains(t) && !Light.Contains(t) && !t.All(char.IsDigit)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>
    /// Words a question splits around a count, as Chinese separable verbs do (请6天假 is 请假, 加了三天班 is 加班, 出了趟差
    /// is 出差): each pair of characters around an aspect particle and a number or measure word that
    /// <paramref name="isWord"/> takes for a word. Grammar, not vocabulary: no word is listed.
    /// </summary>
    public static IReadOnlyList<string> Separated(string question, Func<string, bool> isWord) =>
        SeparatedVerb().Matches(question).Select(m => m.Groups[1].Value + m.Groups[2].Value).Where(isWord).Distinct(StringComparer.Ordinal).ToList();

    private static IEnumerable<string> Rejoin(List<string> tokens, Func<string, bool> isWord)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Length == 1 && !Generic.Contains(tokens[i]))
            {
                var end = i;
                while (end + 1 < tokens.Count && tokens[end + 1].Length == 1 && !Generic.Contains(tokens[end + 1]) && end - i < 3)
                {
                    end++;
                }

                // The longest joined run that is a word; the characters alone otherwise.
                for (var last = end; last > i; last--)
                {
                    var joined = string.Concat(tokens.Skip(i).Take(last - i + 1));
                    if (isWord(joined))
                    {
                        yield return joined;
                        i = last;
                        goto next;
                    }
                }
            }

            yield return tokens[i];
            next:;
        }
    }

    private static readonly SmartChineseAnalyzer Analyzer = new(LuceneVersion.LUCENE_48, useDefaultStopWords: false);

    private static List<string> Segment(string text) => Tokens(Analyzer, text);

    /// <summary>The terms an analyzer makes of a text (shared by the index's query side).</summary>
    internal static List<string> Tokens(Lucene.Net.Analysis.Analyzer analyzer, string text)
    {
        var tokens = new List<string>();
        using var stream = analyzer.GetTokenStream("text", text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            tokens.Add(term.ToString());
        }

        stream.End();
        return tokens;
    }

    // A character (not itself a particle, numeral or measure word), then 了/过, a count (digits or numerals) and a
    // measure word, at least one of them, then a character. Inside a lookahead, so matches may overlap (上个月加了三天班).
    [GeneratedRegex(@"(?=([\p{IsCJKUnifiedIdeographs}-[了过的一二两三四五六七八九十百半几个天周月年次趟回场]])(?:了|过)?(?=[了过0-9一二两三四五六七八九十百半几个天周月年次趟回场小时])(?:[0-9一二两三四五六七八九十百半几]+)?(?:个月|个星期|个小时|小时|[个天周月年次趟回场])?的?([\p{IsCJKUnifiedIdeographs}]))")]
    private static partial Regex SeparatedVerb();

    [GeneratedRegex(@"\bhow\s+many\s+(?:more\s+)?(?:days?|hours?|weeks?|minutes?|times?|months?|years?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex HowMany();

    // Runs of Han characters, or of Latin letters and digits — a contraction whole (haven't, it's), so that its halves
    // (haven, t) are not read as words.
    [GeneratedRegex(@"[\p{IsCJKUnifiedIdeographs}]+|[A-Za-z0-9]+(?:'[A-Za-z]+)*")]
    private static partial Regex Runs();
}
