using System.Text;
using Microsoft.Extensions.AI;

namespace ChatBot.Knowledge;

/// <summary>
/// Decides how a question is answered from the documents, and builds the prompt that grounds it: the top passages,
/// within a character budget (prompt tokens cost about a second per 220 on 2 cores), and an instruction to answer
/// only from them.
/// </summary>
public static class GroundedPrompt
{
    private const string Instruction =
        "以下是公司制度文件的原文摘录。只根据这些摘录回答员工的问题，简洁准确，不要编造摘录中没有的内容；摘录没有涉及的，就说制度中没有相关规定。\n" +
        "Below are excerpts from the company's policy documents. Answer only from them; if they do not cover the question, say so.";

    /// <summary>The instruction's own pairs of characters: an answer that repeats them (制度中没有相关规定) says nothing of a passage.</summary>
    internal static IReadOnlySet<string> InstructionPairs { get; } = Attribution.Pairs(Instruction);

    /// <summary>The policy text a prompt holds unless configured otherwise (<c>Knowledge:PromptBudgetChars</c>).</summary>
    public const int DefaultBudgetChars = 900;

    public static ChatMessage Context(IReadOnlyList<Chunk> passages, int budgetChars)
    {
        var text = new StringBuilder(Instruction);
        foreach (var passage in Held(passages, budgetChars))
        {
            var block = Block(passage);
            text.Append(block.Length <= budgetChars ? block : block[..budgetChars]);
        }

        return new ChatMessage(ChatRole.System, text.ToString());
    }

    /// <summary>The passages the prompt holds, in order (<see cref="Fitting"/>): what the model answers from, and so what its answer may cite.</summary>
    public static IReadOnlyList<Chunk> Held(IReadOnlyList<Chunk> passages, int budgetChars) => passages.Take(Fitting(passages, budgetChars)).ToList();

    /// <summary>How many of the passages, in order, the prompt holds: the first always (cut to the budget), then each that still fits.</summary>
    public static int Fitting(IReadOnlyList<Chunk> passages, int budgetChars)
    {
        var (used, count) = (0, 0);
        foreach (var passage in passages)
        {
            var length = Block(passage).Length;
            if (used > 0 && used + length > budgetChars)
            {
                break;
            }

            used += length;
            count++;
        }

        return count;
    }

    private static string Block(Chunk passage) => $"\n\n【{passage.Section}】\n{passage.Text}";
}
