using ChatBot.Core.Configuration;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>Section <c>Answers</c>: what the bot says, beside the model.</summary>
public sealed class AnswerOptions
{
    public const string Section = "Answers";

    public string SystemPromptFile { get; set; } = "config/system-prompt.md";

    /// <summary>Told to the user when the system (not the user) failed and the question was given back.</summary>
    public string FailureText { get; set; } = "抱歉，系统暂时无法回答，请稍后再试。Sorry, I could not answer this time; please try again later.";

    /// <summary>
    /// Told at once to a user whose question waits for the model because others are being answered; {0} is the
    /// place in line (1 = next). Empty: no notice. Was <c>Answers:QueuedText</c>, which still works.
    /// </summary>
    public string PlaceInLineText { get; set; } = "前面还有人在提问，你排在第 {0} 位，轮到你时马上回答。Others are being answered; you are number {0} in line and will be answered in turn.";

    /// <summary>
    /// The longest question taken, in characters. The model reads 2,048 tokens a conversation by default, with the
    /// system prompt, up to <c>Knowledge:PromptBudgetChars</c> of policy text and the answer in them; a longer question
    /// is refused at intake with <see cref="TooLongText"/> — no model call, no quota — instead of failing in the engine.
    /// </summary>
    public int MaxQuestionChars { get; set; } = 1000;

    /// <summary>
    /// How long a question may wait for its answer. An older one (after an outage, a backlog) is not answered: its
    /// charge is refunded and its asker told <see cref="ExpiredText"/>, once per this interval.
    /// </summary>
    public TimeSpan MaxQueueAge { get; set; } = TimeSpan.FromMinutes(10);

    public string ExpiredText { get; set; } = "抱歉，刚才系统繁忙，你之前的提问等待太久已取消（不计入次数），请重新提问。Sorry, the bot was busy and your earlier question waited too long; it was dropped (not counted), please ask again.";

    /// <summary>
    /// The follow-up after a send whose outcome is unknown on a channel that cannot be sent twice (DingTalk): the answer
    /// may or may not have arrived, so the asker is told how to get it, through another channel where there is one.
    /// </summary>
    public string DeliveryUnknownText { get; set; } = "上面的回答可能没有完整送达。如果没有看到完整回答，请重新提问（本次不计入次数）。The answer above may not have arrived in full; if you did not see all of it, please ask again (this one is not counted).";

    /// <summary>
    /// The last line of every answer the model wrote (general and policy answers, after the citation); not of replies
    /// that only quote the documents. Empty: none.
    /// </summary>
    public string Disclaimer { get; set; } = "以上内容由 AI 生成，仅供参考。This answer is AI-generated, for reference only.";

    /// <summary>The <c>/help</c> (帮助) reply: what the bot does, how it treats messages, that answers are AI-generated.</summary>
    public string HelpText { get; set; } =
        "我是公司的智能助手：可以回答制度、流程等问题（私聊时依据公司文件并注明出处），群里 @我 即可提问。消息只在公司自己的服务器上处理，不会保存；回答由 AI 生成，仅供参考，以正式制度为准。" +
        "命令：/额度 查看今天还能问几次，/清除 忘掉之前的对话，/帮助 显示本说明。Powered by Qwen.\n" +
        "I answer questions on company policy (in a DM from the company's own documents, with the source) — @-mention me in a group. " +
        "Messages are processed on the company's own servers and never stored; answers are AI-generated and for reference only. " +
        "Commands: /quota (questions left today), /clear (forget our conversation), /help. Powered by Qwen.";

    /// <summary>
    /// The first hello, sent when someone opens the WeCom AI bot's DM (<c>enter_chat</c>, once a day per user, inside
    /// its 5-s window): what the bot does, that messages stay on the company's servers and are not stored, that answers
    /// are AI-generated. Empty: no welcome.
    /// </summary>
    public string WelcomeText { get; set; } =
        "你好！我是公司的智能助手，可以回答制度、流程等问题，发 /帮助 查看用法。消息只在公司自己的服务器上处理，不会保存；回答由 AI 生成，仅供参考。" +
        "Hello! I answer questions on company policy; send /help to see how. Messages are processed on the company's own servers and never stored; answers are AI-generated and for reference only.";

    /// <summary>
    /// Where the platform does not say when someone opens the chat (DingTalk, the WeCom app), the first answer of a
    /// direct chat starts with <see cref="WelcomeText"/>, once per user per this interval (shared through Redis when it
    /// is configured). Zero: never.
    /// </summary>
    public TimeSpan WelcomeInterval { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Where the channel cannot stream (the WeCom app, DingTalk), a direct chat whose answer has not begun this long
    /// after its turn came gets <see cref="ThinkingText"/> once. Zero: never.
    /// </summary>
    public TimeSpan ThinkingNoticeAfter { get; set; } = TimeSpan.FromSeconds(3);

    public string ThinkingText { get; set; } = "正在思考…Thinking…";

    /// <summary>The <c>/quota</c> (额度) reply: {0} questions left today, {1} the daily limit, {2} when the count resets (local time).</summary>
    public string QuotaStatusText { get; set; } = "今天还可以提问 {0} 次（每天 {1} 次），{2} 重置。You have {0} of {1} questions left today; the count resets at {2}.";

    /// <summary>The <c>/quota</c> reply for an asker with no limit (a quota admin).</summary>
    public string QuotaUnlimitedText { get; set; } = "你的提问次数不受限制。Your questions are not limited.";

    /// <summary>The <c>/clear</c> (清除) reply, after the conversation's memory was deleted.</summary>
    public string ClearedText { get; set; } = "好的，之前的对话已清除。Done: I have forgotten our conversation.";

    /// <summary>The reply to an admin command from someone not in <c>Roles:Admins</c>.</summary>
    public string AdminOnlyText { get; set; } = "这个命令只有机器人管理员可以使用。Only the bot's admins may use this command.";

    /// <summary>The reply to an admin's <c>/quota reset USER</c>; {0} is the user.</summary>
    public string QuotaResetText { get; set; } = "已将 {0} 今天的提问次数清零。{0}'s count for today is back to zero.";

    /// <summary>The reply to an admin's <c>/pause TEXT</c> (everyone else then gets TEXT).</summary>
    public string PausedText { get; set; } = "已暂停：在 /恢复 之前，所有提问都会收到你的维护说明。Paused: every question gets your notice until /resume.";

    /// <summary>The reply to an admin's <c>/resume</c>.</summary>
    public string ResumedText { get; set; } = "已恢复，机器人重新开始回答。Resumed: the bot answers again.";

    /// <summary>The reply to an image, file, video, sticker or voice without recognised text (once per asker per 10 minutes).</summary>
    public string TextOnlyText { get; set; } = "我目前只能读文字消息，请把问题用文字发给我。I can only read text for now; please type your question.";

    /// <summary>The reply to a question over <see cref="MaxQuestionChars"/>; {0} is the limit in characters.</summary>
    public string TooLongText { get; set; } = "问题太长了（超过 {0} 字），请精简后再问。Your question is over {0} characters; please shorten it and ask again.";
}

public sealed class AnswerOptionsValidator : IValidateOptions<AnswerOptions>
{
    public ValidateOptionsResult Validate(string? name, AnswerOptions options)
    {
        List<string> errors = [];
        if (string.IsNullOrWhiteSpace(options.FailureText))
        {
            errors.Add("Answers:FailureText must not be empty: it is what a user is told when the system failed to answer.");
        }

        if (FormatText.Problem("Answers:PlaceInLineText", options.PlaceInLineText, 1, "the place in line") is { } problem)
        {
            errors.Add(problem);
        }

        if (options.MaxQuestionChars is < 10 or > 60_000)
        {
            errors.Add($"Answers:MaxQuestionChars must be between 10 and 60000 (intake takes bodies up to 64 KiB); got {options.MaxQuestionChars}.");
        }

        if (options.WelcomeInterval < TimeSpan.Zero)
        {
            errors.Add($"Answers:WelcomeInterval must be zero (no welcome before a first answer) or positive (d.hh:mm:ss); got '{options.WelcomeInterval}'.");
        }

        if (options.MaxQueueAge <= TimeSpan.Zero)
        {
            errors.Add($"Answers:MaxQueueAge must be positive (hh:mm:ss); got '{options.MaxQueueAge}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ExpiredText))
        {
            errors.Add("Answers:ExpiredText must not be empty: it is what a user whose question waited too long is told.");
        }

        foreach (var (key, text) in new[]
                 {
                     ("HelpText", options.HelpText), ("ClearedText", options.ClearedText), ("TextOnlyText", options.TextOnlyText), ("QuotaUnlimitedText", options.QuotaUnlimitedText),
                     ("AdminOnlyText", options.AdminOnlyText), ("PausedText", options.PausedText), ("ResumedText", options.ResumedText),
                 })
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                errors.Add($"Answers:{key} must not be empty: it is a reply users are sent.");
            }
        }

        if (FormatText.Problem("Answers:QuotaStatusText", options.QuotaStatusText, [3, 50, "2026-01-01 00:00"], "questions left, the daily limit and the reset time") is { } quota)
        {
            errors.Add(quota);
        }

        if (FormatText.Problem("Answers:QuotaResetText", options.QuotaResetText, "lisi", "the user") is { } reset)
        {
            errors.Add(reset);
        }

        if (string.IsNullOrWhiteSpace(options.DeliveryUnknownText))
        {
            errors.Add("Answers:DeliveryUnknownText must not be empty: it is what a user is told when an answer may not have arrived.");
        }

        if (FormatText.Problem("Answers:TooLongText", options.TooLongText, 1000, "the limit in characters") is { } tooLong)
        {
            errors.Add(tooLong);
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
