using System.Text.RegularExpressions;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Util;

namespace ChatBot.Core.Knowledge.Search;

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
        // Greetings and thanks: a message of only these is not a policy question.
        "你好", "您好", "好", "嗯", "嗨", "哈喽", "谢谢", "多谢", "感谢", "再见", "拜拜", "早上好", "上午好", "下午好", "晚上好", "在吗", "在不在", "好的", "收到",
        "hello", "hi", "hey", "thanks", "thank", "bye", "ok", "okay",
        // English.
        "a", "an", "the", "is", "are", "am", "be", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "may", "might",
        "must", "i", "me", "my", "we", "our", "you", "your", "it", "its", "there", "here", "this", "that", "these", "those", "on", "in", "at",
        "of", "for", "to", "from", "by", "with", "about", "as", "and", "or", "not", "no", "how", "what", "when", "where", "which", "who",
        "why", "much", "many", "any", "some", "get", "have", "has", "please", "company", "employee", "employees", "policy", "rule", "rules",
    };

    public static IReadOnlyList<string> Of(string question)
    {
        var terms = new List<string>();
        foreach (Match run in Runs().Matches(question))
        {
            if (run.Value.All(c => c <= 0x7F))
            {
                terms.Add(run.Value.ToLowerInvariant());
            }
            else
            {
                terms.AddRange(Segment(run.Value));
            }
        }

        return terms.Where(t => !Generic.Contains(t) && !t.All(char.IsDigit)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
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

    // Runs of Han characters, or of Latin letters and digits.
    [GeneratedRegex(@"[\p{IsCJKUnifiedIdeographs}]+|[A-Za-z0-9]+")]
    private static partial Regex Runs();
}
