using System.Globalization;
using ChatBot.Inference.Engine;
using ChatBot.Tests.Shared;

namespace ChatBot.Tests.Inference;

/// <summary>The tokenizer vectors llama.cpp ships beside ggml-vocab-qwen2.gguf, through our bindings.</summary>
public sealed class TokenizerTests(InferenceFixture fixture) : IClassFixture<InferenceFixture>
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    public static TheoryData<int> Cases() => [.. Enumerable.Range(0, Load().Count)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tokenizes_like_llama_cpp_and_round_trips(int index)
    {
        var (text, expected) = Load()[index];
        var tokens = fixture.Model.Tokenize(text, addSpecial: false, parseSpecial: false);
        Assert.Equal(expected, tokens);
        Assert.Equal(text, fixture.Model.Detokenize(tokens));
    }

    [Fact]
    public void Chat_template_renders_chatml()
    {
        var prompt = fixture.Model.ApplyTemplate([("system", "S"), ("user", "你好")], addAssistant: true);
        Assert.Equal("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n", prompt);
    }

    private static List<(string Text, int[] Tokens)> Load()
    {
        var vocab = TestModels.VocabPath;
        var inputs = File.ReadAllText(vocab + ".inp").Split(Separator);
        var outputs = File.ReadAllLines(vocab + ".out");
        // The input file ends with a separator: the last split element is empty and not a case.
        Assert.Equal(outputs.Length, inputs.Length - 1);
        return [.. outputs.Select((line, i) => (inputs[i], line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray()))];
    }
}
