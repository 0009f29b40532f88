using System.Text.Json;
using ChatBot.Core.Knowledge;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Search;
using ChatBot.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Tests.Knowledge;

/// <summary>
/// Questions as employees type them, over documents the search was not written for: a homophone typo, English over
/// Chinese policy, an everyday word the policy does not use, a table cell. The documents here are the test's own;
/// the last tests hold the search to its measured figures on both public sets, kind by kind.
/// </summary>
public sealed class UnseenQuestionTests : IDisposable
{
    private static readonly Lexicon Cedict = Lexicon.Load(RepoPaths.Lexicon);

    /// <summary>The dictionary with the thesaurus beside it, as set-up writes both and the bot loads them.</summary>
    private static readonly Lexicon Shipped = Cedict.With(Thesaurus.Load(RepoPaths.Thesaurus));
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatbot-unseen");

    public void Dispose() => _folder.Delete(recursive: true);

    private const string Leave = """
        # 假期管理办法
        ## 第三条 病假
        员工因病治疗可申请病假，须提交二级以上医院的诊断证明。病假期间按本人基本工资的80%发放。
        ## 第四条 陪产假
        男员工的配偶生育的，享受陪产假15天，须在配偶生育之日起30日内休完。
        ## 第五条 住房公积金
        公司按员工基本工资的12%为员工缴存住房公积金，入职次月开始缴纳。
        ## 第六条 新闻报道
        涉及公司的新闻报道须经品牌部审核后方可对外发布。
        ## 第七条 入职报到
        新员工报到当日须携带身份证原件和学历证书。
        """;

    [Theory]
    [InlineData("病价工资怎么算", "第三条 病假")]
    [InlineData("公基金从什么时候开始交", "第五条 住房公积金")]
    [InlineData("报道那天要带什么", "第七条 入职报到")]
    public void A_homophone_typo_finds_the_section_of_the_word_meant(string question, string section)
    {
        using var index = Build(Leave);

        var typo = KnowledgeSearch.Find(index, Glossary.Empty, question, 3, _ => true);
        var withoutSound = KnowledgeSearch.Find(Build(Leave, Lexicon.Empty), Glossary.Empty, question, 3, _ => true);

        Assert.NotEqual(Grounding.Refused, typo.Decision);
        Assert.Equal(section, typo.Hits[0].Chunk.Heading);
        // The dictionary's readings are what found it: on characters alone the typo does not cover the section.
        Assert.True(withoutSound.Coverage < typo.Coverage, $"{withoutSound.Coverage:F2} < {typo.Coverage:F2}");
    }

    [Fact]
    public void A_homophone_typo_beside_common_words_still_brings_its_section_in()
    {
        using var index = Build("""
            # 员工休假管理办法
            ## 第四条 婚假
            员工依法办理结婚登记的，享受婚假10天，须一次休完。
            ## 第五条 年假
            年假可以分开休，每次不少于半天；当年未休完的可以顺延至次年。
            ## 第六条 病假
            员工病假期间应在家休息，休息满一周的须提交医院证明；病假休息期间按基本工资的80%发放，休息日不另计。
            ## 第七条 调休
            加班可以申请调休，调休可以分开休，须在三个月内休完。
            """);

        // 婚家 is 婚假 typed by sound; 分开 and 休 are in the other sections, and the sound bigrams BM25 weighs below
        // characters alone ranked the sick-leave section, full of 休息, third instead.
        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "婚家能休几天 可以分开休吗", 3, _ => true);

        Assert.Contains(answer.Hits, h => h.Chunk.Heading == "第四条 婚假");
        Assert.Contains("婚假", answer.Words!);
    }

    [Fact]
    public void An_exact_character_match_outranks_a_word_that_only_sounds_the_same()
    {
        using var index = Build(Leave);

        // 报道 (a news report) and 报到 (reporting for work) sound alike: the characters typed decide when both exist.
        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "新闻报道谁来审核", 3, _ => true);

        Assert.Equal("第六条 新闻报道", answer.Hits[0].Chunk.Heading);
    }

    [Theory]
    [InlineData("how many days of paternity leave can I take?", "第四条 陪产假")]
    [InlineData("I'm sick, what's my pay during sick leave", "第三条 病假")]
    [InlineData("housing fund contribution rate?", "第五条 住房公积金")]
    public void An_english_question_finds_its_chinese_section_with_no_glossary(string question, string section)
    {
        using var index = Build(Leave);

        var answer = KnowledgeSearch.Find(index, Glossary.Empty, question, 3, _ => true);

        Assert.NotEqual(Grounding.Refused, answer.Decision);
        Assert.Equal(section, answer.Hits[0].Chunk.Heading);
        Assert.True(Citation.IsEnglish(question));
    }

    [Theory]
    [InlineData("do I need a fapiao to get my taxi reimbursed?", "第三条 报销凭证", "发票")]
    [InlineData("does the company pay my shebao if my hukou is in another city?", "第四条 社会保险", "社保")]
    public void A_chinese_word_spelt_in_pinyin_in_an_english_question_finds_its_section(string question, string section, string word)
    {
        using var index = Build("""
            # 费用报销管理办法
            ## 第三条 报销凭证
            员工报销费用须提供合规发票，无发票的支出不予报销。
            ## 第四条 社会保险
            公司依法为员工缴纳社保和住房公积金，户口在外地的员工同样参保。
            ## 第五条 员工沟通
            我们每季度召开一次员工座谈会。
            """);

        var answer = KnowledgeSearch.Find(index, Glossary.Empty, question, 3, _ => true);

        Assert.Equal(section, answer.Hits[0].Chunk.Heading);
        Assert.Contains(word, answer.Words!);
        // "women" spells 我们 too, but it is English: the dictionary's glosses write it a hundred times.
        Assert.DoesNotContain("我们", KnowledgeSearch.Find(index, Glossary.Empty, "what do women get", 3, _ => true).Words!);
    }

    [Fact]
    public void An_everyday_word_reaches_the_policy_term_through_its_meaning()
    {
        using var index = Build("""
            # IT设备管理办法
            ## 2.1 笔记本电脑
            员工级配发14英寸笔记本电脑，使用满4年可申请更换。
            ## 2.2 显示器
            设计岗位可申领27英寸显示器一台。
            """);

        // 本本 is slang the policy never uses; CC-CEDICT glosses it "laptop", as it does 笔记本电脑.
        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "本本用几年能换", 3, _ => true);

        Assert.Equal("2.1 笔记本电脑", answer.Hits[0].Chunk.Heading);
        Assert.NotEqual(Grounding.Refused, answer.Decision);
    }

    [Fact]
    public void An_everyday_word_the_dictionary_cannot_bridge_reaches_the_policy_term_through_the_thesaurus()
    {
        const string policy = """
            # 员工关怀办法
            ## 第六条 丧假
            员工的父母、配偶、子女、祖父母、外祖父母、岳父母或公婆去世的，给予丧假3天。
            ## 第八条 婚育关怀
            员工结婚的，公司发放结婚礼金1000元；员工生育的，发放生育慰问金500元。
            """;
        using var index = Build(policy);
        using var dictionaryOnly = Build(policy, Cedict);

        // 红包 is "money wrapped in red as a gift" to the dictionary, 礼金 "monetary gift": one word in common, too little
        // for the dictionary's bridge. The thesaurus groups them.
        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "生娃公司有红包吗", 3, _ => true);
        var without = KnowledgeSearch.Find(dictionaryOnly, Glossary.Empty, "生娃公司有红包吗", 3, _ => true);

        Assert.Equal("第八条 婚育关怀", answer.Hits[0].Chunk.Heading);
        Assert.Equal(Grounding.Answered, answer.Decision);
        Assert.Contains("礼金", answer.Words!);
        Assert.DoesNotContain("礼金", without.Words!);
        Assert.Equal(Grounding.Unsure, without.Decision);
    }

    [Fact]
    public void A_lone_character_is_stood_for_only_by_the_thesaurus_words_that_hold_it()
    {
        using var index = Build("""
            # 员工手册
            ## 第一条 公积金提取
            员工离职后可按规定办理住房公积金提取。
            ## 第二条 会议纪律
            会议期间不得随意说话，手机调至静音。
            """);

        // 提 shares a group with 提取 (to withdraw) and another with 说话 (to mention, to speak): only the word that
        // holds the character stands for it, so a question about withdrawing does not reach the meeting rules.
        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "离职了公积金怎么提", 3, _ => true);

        Assert.Contains("提取", answer.Words!);
        Assert.DoesNotContain("说话", answer.Words!);
        Assert.Equal("第一条 公积金提取", answer.Hits[0].Chunk.Heading);
        Assert.Contains(Shipped.Thesaurus.Synonyms("提"), s => s == "说话"); // the group is there; the rule left it out
    }

    [Fact]
    public void A_thesaurus_line_that_is_not_a_group_is_named_with_the_way_to_write_it_again()
    {
        var file = Path.Combine(_folder.FullName, "thesaurus.txt");
        File.WriteAllText(file, "# groups\n老婆 妻子 配偶\n孤\n");

        var error = Assert.Throws<InvalidDataException>(() => Thesaurus.Load(file));

        Assert.Contains("'孤'", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/lexicon", error.Message, StringComparison.Ordinal);
        File.WriteAllText(file, "# groups\n老婆 妻子 配偶\n");
        Assert.Equal(["妻子", "配偶"], Thesaurus.Load(file).Synonyms("老婆"));
    }

    [Fact]
    public void Two_sections_of_one_document_that_the_prompt_holds_together_answer_what_neither_covers_alone()
    {
        const string cities = """
            ## 2 城市分类
            高原地区城市（拉萨、西宁）按一类城市执行。
            """;
        const string hotels = """
            ## 4 住宿标准
            出差住宿费按下表标准报销：一类城市每晚500元，其他城市每晚350元。
            ## 5 请假
            员工请假须提前在OA提交申请。
            """;
        const string question = "高原地区去拉萨出差 住宿标准多少";
        using var oneDocument = Build("# 差旅费管理办法\n" + cities + "\n" + hotels);
        using var twoDocuments = BuildFiles(("travel.md", "# 差旅费管理办法\n" + hotels), ("cities.md", "# 城市名录\n" + cities));

        var together = KnowledgeSearch.Find(oneDocument, Glossary.Empty, question, 3, _ => true);
        var apart = KnowledgeSearch.Find(twoDocuments, Glossary.Empty, question, 3, _ => true);
        var overBudget = KnowledgeSearch.Find(oneDocument, Glossary.Empty, question, 3, _ => true, GroundingThresholds.Default with { PromptBudgetChars = 60 });

        Assert.Equal(["2 城市分类", "4 住宿标准"], together.Hits.Take(2).Select(h => h.Chunk.Heading).Order());
        Assert.Equal(Grounding.Answered, together.Decision);
        // The same two passages from two documents, or one the prompt cannot hold beside the other, do not add up.
        Assert.Equal(["2 城市分类", "4 住宿标准"], apart.Hits.Take(2).Select(h => h.Chunk.Heading).Order());
        Assert.Equal(Grounding.Unsure, apart.Decision);
        Assert.Equal(Grounding.Unsure, overBudget.Decision);
    }

    [Fact]
    public void A_city_the_documents_never_name_counts_half_so_the_allowance_by_class_answers()
    {
        const string policy = """
            # 差旅费管理办法
            ## 5 伙食补助
            出差伙食补助按城市类别包干：一类城市（北京、上海）每天120元，其他城市每天80元。
            ## 6 市内交通
            市内交通补助每天50元。
            """;
        using var index = Build(policy);

        // 宁波 is in no document: the policy states it by class. Counted in full it would leave the question "not sure".
        var city = KnowledgeSearch.Find(index, Glossary.Empty, "去宁波 伙食补助多少", 3, _ => true);
        // A word that is not a name, equally absent, still counts in full: the question stays "not sure".
        var thing = KnowledgeSearch.Find(index, Glossary.Empty, "带宠物 伙食补助多少", 3, _ => true);

        Assert.True(Cedict.IsName("宁波") && !Cedict.IsName("宠物"));
        Assert.Equal("5 伙食补助", city.Hits[0].Chunk.Heading);
        Assert.Equal(Grounding.Answered, city.Decision);
        Assert.Equal(Grounding.Unsure, thing.Decision);
    }

    [Theory]
    [InlineData("每年的体检能带爸妈一起去吗", new[] { "体检", "带", "爸妈" })]
    [InlineData("离职证明要回公司拿吗", new[] { "离职", "证明", "回" })]
    [InlineData("本本坏了找谁修", new[] { "本本", "坏", "修" })]
    public void Everyday_verbs_that_stand_for_any_action_are_not_key_terms(string question, string[] terms)
    {
        Assert.Equal(terms, KeyTerms.Of(question, w => Cedict.Contains(w)));
    }

    [Theory]
    [InlineData("离职的时候旧电脑能买下来吗", new[] { "离职", "旧", "电脑", "买" })]
    [InlineData("连续旷工几天会被直接开除", new[] { "连续", "旷工", "开除" })]
    public void A_directional_complement_or_a_manner_adverb_is_not_a_key_term(string question, string[] terms)
    {
        // 买下来 is 买 with where it goes, 直接开除 is 开除 said bluntly: a passage lacks neither.
        Assert.Equal(terms, KeyTerms.Of(question, w => Cedict.Contains(w)));
    }

    [Theory]
    [InlineData("結婚有冇婚假 係幾多日", new[] { "结婚", "婚假" })]
    [InlineData("病假使唔使醫生紙", new[] { "病假", "医生", "纸" })]
    [InlineData("HR 婚假几天？", new[] { "婚假" })]
    public void Cantonese_question_words_and_the_hr_addressed_are_not_key_terms(string question, string[] terms)
    {
        // As a Hong Kong employee writes: read in simplified characters first, as the search does.
        Assert.Equal(terms, KeyTerms.Of(Cedict.Simplify(question), w => Cedict.Contains(w)));
    }

    [Fact]
    public void A_contraction_is_read_whole_not_as_two_words_with_either_apostrophe()
    {
        using var index = Build(Leave);

        // "haven't" split at its apostrophe made "haven" a key term no passage holds; a phone types ’ for '.
        Assert.DoesNotContain("haven", KeyTerms.Of("i haven't used my annual leave", w => Cedict.Contains(w)));
        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "i haven’t taken my sick leave, isn’t it paid?", 3, _ => true);
        Assert.DoesNotContain(answer.Words!, w => w.StartsWith("haven", StringComparison.Ordinal) || w.StartsWith("isn", StringComparison.Ordinal));
        Assert.DoesNotContain(answer.Missing!, w => w.Contains('’', StringComparison.Ordinal) || w.Contains('\'', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("who signs off my business trip next month?", new[] { "signs", "off", "business", "trip" })]
    [InlineData("forgot to clock in this morning", new[] { "forgot", "clock" })]
    [InlineData("do night shifts pay extra?", new[] { "night", "shifts", "pay", "extra" })]
    [InlineData("maternity leave how long", new[] { "maternity", "leave" })]
    [InlineData("getting married in October, how long is marriage leave", new[] { "getting", "married", "marriage", "leave" })]
    [InlineData("how many days of marriage leave do I get", new[] { "marriage", "leave" })]
    public void English_words_that_date_a_question_are_not_key_terms(string question, string[] terms)
    {
        Assert.Equal(terms, KeyTerms.Of(question, w => Cedict.Contains(w)));
    }

    [Fact]
    public void A_question_in_traditional_characters_or_full_width_letters_is_searched_as_the_simplified_ascii_form_and_documents_too()
    {
        const string simplified = """
            # 员工休假管理办法
            ## 第四条 婚假
            员工依法登记结婚的，享受婚假10天，须在领取结婚证之日起一年内休完。
            ## 第五条 丧假
            员工直系亲属去世的，享受丧假3天。
            """;
        using var simplifiedIndex = Build(simplified);
        using var traditionalIndex = Build("""
            # 員工休假管理辦法
            ## 第四條 婚假
            員工依法登記結婚的，享受婚假10天，須在領取結婚證之日起一年內休完。
            ## 第五條 喪假
            員工直系親屬去世的，享受喪假3天。
            """);

        var asked = KnowledgeSearch.Find(simplifiedIndex, Glossary.Empty, "下個月結婚能請幾天婚假", 3, _ => true);
        var written = KnowledgeSearch.Find(traditionalIndex, Glossary.Empty, "家里亲属去世了丧假几天", 3, _ => true);

        Assert.Equal(Grounding.Answered, asked.Decision);
        Assert.Equal("第四条 婚假", asked.Hits[0].Chunk.Heading);
        Assert.Equal(Grounding.Answered, written.Decision);
        Assert.Equal("第五條 喪假", written.Hits[0].Chunk.Heading);
        // Quoted as the document writes it, the clause chosen by the words as searched.
        Assert.Equal("員工直系親屬去世的，享受喪假3天。", Citation.Quote(written.Best!, written));
        Assert.Equal("下个月结婚能请几天婚假", Cedict.Simplify("下個月結婚能請幾天婚假"));
        // Full-width letters and digits, as a phone keyboard in Chinese mode types them, are searched as ASCII.
        Assert.Equal("我P5 请假(15天)", simplifiedIndex.SearchForm("我Ｐ５ 請假（１５天）"));
        Assert.Contains("p5", KnowledgeSearch.Find(simplifiedIndex, Glossary.Empty, "我Ｐ５结婚有几天婚假", 3, _ => true).Words!);
        // Simplified text comes back as it was, the very instance, and a character that is simplified somewhere (著) stays.
        const string plain = "显著的成绩";
        Assert.Same(plain, Cedict.Simplify(plain));
    }

    [Fact]
    public void An_english_name_reaches_a_place_the_dictionary_defines_at_length()
    {
        // CC-CEDICT: 宁波 "Ningbo, sub-provincial city in Zhejiang Province" — five stems, too long to be a sense whole.
        var bridge = new GlossBridge(Cedict, ["员工到宁波出差的，按二类城市标准报销。"]);

        Assert.Contains(bridge.FromEnglish(["ningbo"]), f => f.Term == "宁波");
        Assert.Contains(["ningbo"], GlossBridge.Senses(Cedict.Glosses("宁波")!));
    }

    [Theory]
    [InlineData("when is the bonus paid?", "支付")]
    [InlineData("my phone was stolen", "偷窃")]
    public void An_english_verb_in_an_irregular_past_form_reaches_the_chinese_verb(string question, string term)
    {
        // CC-CEDICT glosses verbs in the present ("to pay", "to steal"): the question's "paid" and "stolen" are those verbs.
        var bridge = new GlossBridge(Cedict, ["年终奖于次年一月支付。", "偷窃公司财物的，予以辞退。"]);

        Assert.Contains(bridge.FromEnglish(EnglishWords.Stems(question)), f => f.Term == term);
    }

    [Fact]
    public void A_word_in_another_derived_form_than_the_dictionary_writes_reaches_it()
    {
        // "approval" against 批准 "to approve"; 冰箱 "refrigerator" against 冷藏 "refrigeration": one root, two forms, which
        // stripping plural and verb endings alone did not join.
        var bridge = new GlossBridge(Cedict, ["加班须经部门负责人批准。", "奶油须冷藏保存。"]);

        Assert.Contains(bridge.FromEnglish(EnglishWords.Stems("do I need approval for overtime?")), f => f.Term == "批准");
        Assert.Contains(bridge.FromChinese("冰箱"), f => f.Term == "冷藏");
        Assert.Equal(EnglishWords.Stem("hire"), EnglishWords.Stem("hires"));
        Assert.NotEqual(EnglishWords.Stem("leave"), EnglishWords.Stem("left"));
    }

    [Theory]
    [InlineData("department", "depart")]
    [InlineData("departments", "depart")]
    [InlineData("severance", "severe")]
    [InlineData("international", "intern")]
    public void A_word_the_stemmer_would_join_to_one_of_another_meaning_is_kept_whole(string word, string other)
    {
        Assert.NotEqual(EnglishWords.Stem(other), EnglishWords.Stem(word));
        Assert.Equal(EnglishWords.Stem(word.TrimEnd('s')), EnglishWords.Stem(word));
    }

    [Fact]
    public void A_function_word_in_an_inflected_form_is_left_out_but_a_word_derived_from_it_is_not()
    {
        // "allowed" is "am I allowed to"; "allowance", which stems to "allow" too, is a subsidy.
        Assert.Equal(["work", "home", "time"], EnglishWords.Stems("am I allowed to work from home? getting there needs time, didnt it, and it's taken"));
        Assert.Equal([EnglishWords.Stem("housing"), EnglishWords.Stem("allowance")], EnglishWords.Stems("any housing allowance?"));
    }

    [Fact]
    public void The_dictionary_keeps_words_whose_entry_only_points_to_another_and_marks_proper_names()
    {
        // CC-CEDICT writes 杭州 as "see 杭州市": scripts/lexicon gives it that entry's meaning rather than dropping it.
        Assert.Contains("Hangzhou", Cedict.Glosses("杭州"), StringComparison.Ordinal);
        Assert.Contains("to die", Cedict.Glosses("一命归西"), StringComparison.Ordinal);
        Assert.True(Cedict.IsName("杭州") && Cedict.IsName("新加坡"));
        Assert.False(Cedict.IsName("苹果") || Cedict.IsName("年假"));
    }

    [Theory]
    [InlineData("下礼拜想请6天假", "请假")]
    [InlineData("上个月加了三天班", "加班")]
    [InlineData("下周要出趟差", "出差")]
    public void A_separable_verb_split_by_a_count_is_read_as_its_word(string question, string word)
    {
        Assert.Equal([word], KeyTerms.Separated(question, w => Cedict.Contains(w)));
        Assert.Empty(KeyTerms.Separated("我想请假", w => Cedict.Contains(w))); // nothing between: the word is there as it is
    }

    [Fact]
    public void A_leave_question_split_around_its_count_finds_the_leave_section()
    {
        using var index = Build("""
            # 假期管理办法
            ## 第二条 请假审批
            员工请假须提前在OA提交申请：3天以内由直接上级审批，3天以上由部门负责人审批，7天以上报人力资源部备案。
            ## 第三条 居家办公
            经直接上级批准，员工每周可居家办公1天；居家办公期间须保持在线，按时参加线上会议。
            """);

        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "下礼拜想请6天假 要找哪些人批", 3, _ => true);

        Assert.Equal("第二条 请假审批", answer.Hits[0].Chunk.Heading);
    }

    [Fact]
    public void A_word_written_with_latin_letters_in_the_policy_is_reached_from_its_chinese_form()
    {
        using var index = Build("""
            # 信息安全管理规定
            ## 3 移动存储
            办公电脑默认关闭USB存储。确需使用U盘的，须在OA提交申请，领用公司配发的加密U盘。
            ## 4 打印与复印
            打印涉密文件须在专用打印机上进行，打印后立即取走，读不清的文件须重新打印。
            """);

        // The policy writes U盘; the asker types 优盘, which CC-CEDICT glosses as it does U盘 ("USB flash drive").
        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "优盘插上去读不出来", 3, _ => true);

        Assert.Equal("3 移动存储", answer.Hits[0].Chunk.Heading);
        Assert.NotEqual(Grounding.Refused, answer.Decision);
    }

    [Fact]
    public void A_question_answered_by_one_table_row_quotes_that_row_under_its_header()
    {
        using var index = Build("""
            # 差旅费管理办法
            ## 4 住宿标准
            住宿费在下表标准内凭发票据实报销。
            | 职级 | 一线城市 | 其他城市 |
            |---|---|---|
            | 员工级 | 400元 | 300元 |
            | 经理级 | 600元 | 450元 |
            | 总监级 | 900元 | 700元 |
            """);

        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "经理级出差住酒店标准多少", 3, _ => true);
        var quote = Citation.Quote(answer.Hits[0].Chunk, answer);

        Assert.Equal("| 职级 | 一线城市 | 其他城市 |\n| 经理级 | 600元 | 450元 |", quote);
    }

    [Fact]
    public void A_quote_holds_the_two_clauses_that_match_best_in_the_passages_order_with_a_gap_shown()
    {
        using var index = Build("""
            # 离职管理规定
            ## 第五条 结算与证明
            （一）离职员工的工资结算至最后工作日，于下一个发薪日发放。
            （二）公司为离职员工办理社会保险和住房公积金的转移手续。
            （三）离职证明于最后工作日当天开具，可在人事系统下载电子版。
            """);

        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "离职证明哪天开 最后的工资什么时候发", 3, _ => true);

        Assert.Equal("（一）离职员工的工资结算至最后工作日，于下一个发薪日发放。…（三）离职证明于最后工作日当天开具，可在人事系统下载电子版。",
            Citation.Quote(answer.Hits[0].Chunk, answer));
    }

    [Fact]
    public void Two_clauses_too_long_together_are_quoted_as_the_best_one()
    {
        var filler = new string('的', 50);
        using var index = Build($"""
            # 离职管理规定
            ## 第五条 结算与证明
            离职员工的工资结算至最后工作日，{filler}。
            离职证明于最后工作日当天开具，{filler}。
            """);

        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "离职证明哪天开", 3, _ => true);

        Assert.StartsWith("离职证明于最后工作日当天开具", Citation.Quote(answer.Hits[0].Chunk, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void A_question_with_a_homophone_typo_quotes_the_clause_that_says_the_word_meant()
    {
        using var index = Build("""
            # 离职管理规定
            ## 第五条 薪资结算
            离职员工的工资结算至最后工作日，于下一个发薪日发放。
            人力资源部门在最后工作日出具解除劳动合同证明书，员工可到人力资源部门领取。
            """);

        // 证名 is typed for 证明: the passage holds it by sound only, and its own spelling is what picks the clause.
        var answer = KnowledgeSearch.Find(index, Glossary.Empty, "证名什么时候能拿到", 3, _ => true);

        Assert.Contains("证明", answer.Words!);
        Assert.StartsWith("人力资源部门在最后工作日出具解除劳动合同证明书", Citation.Quote(answer.Hits[0].Chunk, answer), StringComparison.Ordinal);
    }

    private const string PayAndInsurance = """
        # 薪酬福利管理办法
        ## 2.2 发薪日
        每月10日发放上月工资，遇法定节假日或休息日提前至最近一个工作日发放。工资条在发薪当日推送。
        ## 3.3 补充医疗保险
        员工的配偶和子女可自愿加保，费用为每人每年600元，从当年11月工资中扣除。理赔材料在线提交，约10个工作日到账。
        """;

    [Fact]
    public void An_answer_written_from_the_second_passage_is_cited_to_it_and_quotes_the_clause_it_says()
    {
        using var index = Build(PayAndInsurance);
        // The insurance clause says both 工资 and 到账, so it covers the question best and comes first; the payday one answers.
        var found = KnowledgeSearch.Find(index, Glossary.Empty, "工资每个月几号到账", 3, _ => true);
        Assert.Equal("3.3 补充医疗保险", found.Hits[0].Chunk.Heading);
        var prompt = found.Hits.Select(h => h.Chunk).ToList();

        var (cited, quote, related) = Attribution.Cite("每月10日发放上月工资，遇到节假日会提前发放。", "工资每个月几号到账", found, prompt);

        Assert.Equal("2.2 发薪日", cited.Heading);
        Assert.False(related);
        Assert.StartsWith("每月10日发放上月工资，遇法定节假日或休息日提前至最近一个工作日发放。", quote, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("嗯嗯好的呢")] // nor words no passage holds (the tiny test model's are random)
    [InlineData("每月发放。")] // nor a pair or two of another passage: chance
    public void An_answer_that_does_not_say_another_passage_keeps_the_first_citation_and_its_quote(string answer)
    {
        using var index = Build(PayAndInsurance);
        var found = KnowledgeSearch.Find(index, Glossary.Empty, "工资每个月几号到账", 3, _ => true);

        var (cited, quote, _) = Attribution.Cite(answer, "工资每个月几号到账", found, found.Hits.Select(h => h.Chunk).ToList());

        Assert.Equal("3.3 补充医疗保险", cited.Heading);
        Assert.Equal(Citation.Quote(cited, found), quote);
    }

    [Theory]
    [InlineData("制度中没有相关规定，建议咨询人力资源部。", false)]
    [InlineData("摘录未提及每月几号发工资。", false)]
    [InlineData("The excerpts do not cover when pay arrives; please ask HR.", true)]
    public void An_answer_that_says_the_documents_do_not_cover_it_names_the_section_as_related_not_as_its_source(string answer, bool english)
    {
        using var index = Build(PayAndInsurance);
        var found = KnowledgeSearch.Find(index, Glossary.Empty, "工资每个月几号到账", 3, _ => true);

        var cited = Attribution.Cite(answer, "工资每个月几号到账", found, found.Hits.Select(h => h.Chunk).ToList());
        var block = Citation.Block(cited.Chunk, cited.Quote, markdown: false, english, cited.Related);

        Assert.True(cited.Related);
        Assert.Equal("3.3 补充医疗保险", cited.Chunk.Heading);
        Assert.Contains(english ? "Related: 薪酬福利管理办法 › 3.3 补充医疗保险" : "相关条款：薪酬福利管理办法 › 3.3 补充医疗保险", block, StringComparison.Ordinal);
        Assert.DoesNotContain(english ? "Source:" : "来源：", block, StringComparison.Ordinal);
        Assert.False(Attribution.SaysNotCovered("每月10日发放上月工资。"));
    }

    [Fact]
    public void An_answer_that_echoes_the_prompts_instruction_is_not_cited_to_a_passage_that_happens_to_hold_its_words()
    {
        using var index = Build("""
            # 薪酬制度
            ## 1 总则
            员工的工资每月到账一次。
            ## 9 附则
            以下是公司制度文件的原文摘录的汇编，员工对本制度的问题只根据这些摘录回答。
            """);
        var found = KnowledgeSearch.Find(index, Glossary.Empty, "工资每个月几号到账", 3, _ => true);
        var prompt = new[] { found.Hits[0].Chunk, index.Chunks.Single(c => c.Heading == "9 附则") };

        var (cited, _, related) = Attribution.Cite("以下是公司制度文件的原文摘录。只根据这些摘录回答员工的问题，简洁准确。", "工资每个月几号到账", found, prompt);

        Assert.Equal("1 总则", cited.Heading);
        Assert.False(related);
    }

    [Fact]
    public void A_passage_the_prompt_did_not_hold_is_never_cited()
    {
        using var index = Build(PayAndInsurance);
        var found = KnowledgeSearch.Find(index, Glossary.Empty, "工资每个月几号到账", 3, _ => true);

        var (cited, _, _) = Attribution.Cite("每月10日发放上月工资，遇到节假日会提前发放。", "工资每个月几号到账", found, [found.Hits[0].Chunk]);

        Assert.Equal("3.3 补充医疗保险", cited.Heading);
    }

    /// <summary>
    /// The figures the README reports, as floors: a change that loses a kind fails here, not on the next company's
    /// documents. Retrieval counts the section among the first three passages whatever was decided; "not answered"
    /// is refused or "not sure" (no model call either way).
    /// </summary>
    [Theory]
    [InlineData("knowledge-devset", true, 58, 2, 7)]
    [InlineData("knowledge-devset", false, 53, 2, 8)]
    [InlineData("knowledge-sample", true, 10, 0, 2)]
    [InlineData("knowledge-sample", false, 9, 0, 1)]
    [InlineData("knowledge-holdout", true, 30, 0, 10)]
    [InlineData("knowledge-holdout", false, 28, 1, 10)]
    [InlineData("knowledge-holdout-2", true, 34, 0, 10)]
    [InlineData("knowledge-holdout-2", false, 29, 0, 10)]
    [InlineData("knowledge-holdout-3", true, 34, 0, 10)]
    [InlineData("knowledge-holdout-3", false, 29, 1, 11)]
    [InlineData("knowledge-holdout-4", true, 30, 0, 9)]
    [InlineData("knowledge-holdout-4", false, 26, 0, 10)]
    [InlineData("knowledge-holdout-5", true, 34, 0, 12)]
    [InlineData("knowledge-holdout-5", false, 31, 0, 13)]
    [InlineData("knowledge-holdout-6", true, 37, 0, 12)]
    [InlineData("knowledge-holdout-6", false, 32, 1, 12)]
    public void On_the_public_sets_retrieval_and_refusal_hold_their_measured_figures(string set, bool shippedGlossary, int hitAt3, int wronglyRefused, int notAnswered)
    {
        var folder = Path.Combine(RepoPaths.Root, "samples", set);
        using var index = KnowledgeBase.Build(Path.Combine(folder, "docs"), NullLogger.Instance, out _, Shipped);
        var glossary = shippedGlossary ? Glossary.Parse(File.ReadAllText(RepoPaths.Config("knowledge-synonyms.txt")), "g") : Glossary.Empty;
        var (hits, refused, unanswered) = (0, 0, 0);
        var byKind = new Dictionary<string, (int Hits, int Count)>();
        foreach (var line in File.ReadLines(Path.Combine(folder, "questions.jsonl")).Where(l => l.Trim().Length > 0))
        {
            using var item = JsonDocument.Parse(line);
            var root = item.RootElement;
            var answer = KnowledgeSearch.Find(index, glossary, root.GetProperty("question").GetString()!, 3, _ => true);
            var kind = root.TryGetProperty("kind", out var k) ? k.GetString()! : "any";
            if (root.GetProperty("doc").ValueKind != JsonValueKind.String)
            {
                unanswered += answer.Decision != Grounding.Answered ? 1 : 0;
                continue;
            }

            var (doc, section) = (root.GetProperty("doc").GetString()!, root.GetProperty("section").GetString()!);
            // As knowledge eval counts it: a passage in a sub-section of the labelled section is in that section.
            var hit = answer.Hits.Take(3).Any(h => h.Chunk.Document == doc && h.Chunk.IsIn(section));
            hits += hit ? 1 : 0;
            refused += answer.Refused ? 1 : 0;
            var (kindHits, count) = byKind.GetValueOrDefault(kind);
            byKind[kind] = (kindHits + (hit ? 1 : 0), count + 1);
        }

        Assert.True(hits >= hitAt3, $"hit@3 {hits}, was {hitAt3}");
        Assert.True(refused <= wronglyRefused, $"answerable refused {refused}, was {wronglyRefused}");
        Assert.True(unanswered >= notAnswered, $"unanswerable not answered {unanswered}, was {notAnswered}");
        if (set == "knowledge-devset" && shippedGlossary)
        {
            // The kinds the dictionary carries: every typo and 8 of 10 English questions find their section.
            Assert.Equal((10, 10), byKind["typo"]);
            Assert.True(byKind["english"].Hits >= 8, $"english {byKind["english"]}");
        }
    }

    private KnowledgeIndex Build(string markdown, Lexicon? lexicon = null) => BuildFiles(lexicon, ("policy.md", markdown));

    private KnowledgeIndex BuildFiles(params (string Name, string Markdown)[] files) => BuildFiles(null, files);

    private KnowledgeIndex BuildFiles(Lexicon? lexicon, params (string Name, string Markdown)[] files)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder.FullName, Guid.NewGuid().ToString("N")));
        foreach (var (name, markdown) in files)
        {
            File.WriteAllText(Path.Combine(folder.FullName, name), markdown.Replace("\r\n", "\n", StringComparison.Ordinal));
        }

        return KnowledgeBase.Build(folder.FullName, NullLogger.Instance, out _, lexicon ?? Shipped);
    }
}
