namespace Siyu.Core.Text;

/// <summary>
/// Traditional → simplified Chinese for the characters people actually type (1135 pairs: the common characters of
/// the standard 简繁 correspondence), one character to one, so a match maps back to the original text unchanged in
/// length. Simplified characters, and characters with no simpler form, map to themselves.
/// </summary>
/// <remarks>
/// Only many-to-one folds are safe in this direction (髮 and 發 both become 发), so the table leaves out traditional
/// characters that are also ordinary simplified characters with a meaning of their own (著 in 著名, 乾 in 乾坤, 昇 in
/// names): folding them would change simplified text. Every key is a CJK unified ideograph (U+4E00–U+9FFF).
/// </remarks>
public static class ChineseVariants
{
    private const int First = 0x4E00;

    // Pairs of (traditional, simplified), sorted by the traditional character.
    private const string Pairs =
        "並并佈布併并來来侖仑係系倆俩個个們们偉伟側侧偵侦偽伪傑杰傘伞備备傢家傳传債债傷伤傾倾僂偻僅仅僑侨價价儀仪億亿儉俭儘尽償偿優优儲储兒儿內内兩两冊册凍冻凱凯剛刚剝剥" +
        "剮剐創创劃划劇剧劉刘劍剑劑剂勁劲動动務务勝胜勞劳勢势勳勋勵励勸劝區区協协卻却厭厌厲厉參参員员問问啞哑喚唤喪丧喬乔單单嗎吗嘆叹嘗尝嘩哗噴喷嚇吓嚨咙嚮向嚴严囑嘱囪囱" +
        "國国圍围園园圓圆圖图團团堅坚場场塊块塗涂塵尘墊垫墜坠墳坟壇坛壓压壘垒壞坏壩坝壺壶壽寿夠够夢梦奐奂奧奥奪夺奮奋妝妆婦妇媽妈嫵妩嬌娇孫孙學学孿孪寢寝實实寧宁審审寫写" +
        "寬宽寵宠寶宝將将專专尋寻對对導导屆届屍尸屢屡層层屬属島岛峽峡嶺岭嶼屿巒峦帥帅師师帳帐帶带幣币幫帮幹干幾几庫库廚厨廟庙廠厂廢废廣广廳厅強强彈弹彌弥彙汇後后徑径從从" +
        "復复徹彻惡恶愛爱態态慘惨慣惯慮虑憂忧憐怜憑凭憤愤憶忆懇恳應应懲惩懶懒懷怀懸悬懺忏懼惧戀恋戇戆戰战戲戏戶户拋抛挾挟捨舍捲卷掃扫掙挣掛挂採采揀拣揚扬換换揮挥損损搖摇" +
        "搗捣搶抢摑掴摟搂摯挚撈捞撐撑撥拨撫抚撲扑撿捡擁拥擇择擊击擋挡擔担據据擠挤擬拟擲掷擴扩擺摆擻擞擾扰攏拢攔拦攜携攝摄攢攒攤摊攪搅敗败敘叙敵敌數数斂敛斃毙斬斩斷断於于" +
        "時时晉晋晝昼暈晕暢畅暫暂曆历曇昙曉晓曠旷曬晒書书會会朧胧朮术東东條条棄弃棗枣棟栋棧栈椏桠楊杨極极榮荣構构槍枪槓杠槳桨樁桩樂乐樓楼標标樞枢樣样橋桥機机橫横檔档檢检" +
        "檯台檳槟檸柠櫃柜櫥橱櫻樱欄栏權权歐欧歡欢歲岁歷历歸归殘残殺杀殼壳毀毁毆殴氈毡氣气氫氢決决沒没況况洶汹淚泪淺浅渙涣減减渦涡測测渾浑湊凑湯汤準准溝沟溫温滄沧滅灭滬沪" +
        "滯滞滷卤滿满漁渔漢汉漲涨漸渐漿浆潑泼潔洁潛潜潤润澀涩澆浇澤泽濁浊濃浓濕湿濟济濤涛濫滥濺溅濾滤瀉泻瀋沈瀏浏瀟潇瀨濑灑洒灕漓灘滩灣湾災灾烏乌無无煉炼煙烟煥焕煩烦熱热" +
        "熾炽燈灯燉炖燒烧營营燦灿爍烁爐炉爛烂爭争爺爷爾尔牆墙犢犊犧牺狀状猙狰猶犹猻狲獄狱獅狮獎奖獨独獲获獵猎獸兽獻献獼猕玀猡現现瑣琐瑤瑶瑩莹瑪玛環环璽玺瓊琼瓏珑甌瓯甕瓮" +
        "產产甦苏畝亩畢毕畫画異异當当疊叠痺痹瘋疯瘡疮瘧疟療疗癟瘪癢痒癮瘾發发皚皑皺皱盜盗盞盏盡尽監监盤盘盧卢眾众睜睁睞睐矚瞩矯矫硃朱硯砚碩硕碭砀確确碼码磚砖礎础礙碍礦矿" +
        "祕秘祿禄禍祸禦御禪禅禮礼禱祷稅税稈秆種种稱称穀谷穌稣積积穎颖穡穑穢秽穩稳窩窝窪洼窮穷窯窑竄窜竇窦竊窃競竞筆笔筍笋筧笕箋笺箏筝節节範范築筑篋箧篤笃篩筛簍篓簡简簽签" +
        "簾帘籃篮籌筹籠笼籬篱糝糁糞粪糧粮糰团糾纠紀纪約约紅红紉纫紋纹納纳紐纽純纯紗纱紙纸級级紛纷紡纺紮扎細细紳绅紹绍終终組组結结絕绝絛绦絞绞絡络給给絨绒統统絲丝綁绑經经" +
        "綜综綠绿綢绸維维綱纲網网綵彩綻绽綽绰緊紧緒绪線线緝缉緞缎締缔編编緩缓緬缅緯纬練练緻致縣县縫缝縮缩縱纵縷缕總总績绩繃绷織织繚缭繞绕繩绳繪绘繫系繭茧繼继續续纏缠纖纤" +
        "纜缆缽钵罈坛罌罂罰罚罵骂罷罢羅罗羈羁羨羡義义習习翹翘翺翱耬耧聖圣聞闻聯联聰聪聲声聳耸聵聩聶聂職职聽听肅肃脅胁脫脱脹胀腎肾腦脑腳脚膚肤膠胶膩腻膽胆膿脓臉脸臘腊臟脏" +
        "臺台興兴舉举舊旧舖铺艙舱艦舰艱艰艷艳芻刍莊庄莖茎華华萊莱萬万葉叶葦苇葷荤蒐搜蒞莅蒼苍蓋盖蓮莲蓽荜蔔卜蔣蒋蔥葱蕭萧薈荟薊蓟薑姜薦荐薩萨薺荠藍蓝藝艺藥药藹蔼蘆芦蘇苏" +
        "蘊蕴蘋苹蘚藓蘭兰蘿萝虛虚虜虏號号蝕蚀蝦虾螞蚂蟬蝉蟲虫蠅蝇蠍蝎蠟蜡蠻蛮衆众衊蔑術术衚胡衛卫衝冲袞衮裏里補补裝装裡里製制複复褲裤襪袜襯衬見见規规覓觅視视親亲覺觉覽览" +
        "觀观觸触訂订計计訊讯討讨訓训記记訛讹訣诀訪访設设許许訴诉診诊註注詐诈詛诅詞词詠咏詢询試试詩诗話话該该詳详誇夸誌志認认誕诞語语誠诚誤误誦诵說说誰谁課课誼谊調调談谈" +
        "請请諒谅論论諦谛諧谐諷讽諸诸諾诺謀谋謂谓謄誊謊谎謎谜謙谦講讲謝谢謠谣謹谨譁哗證证譏讥識识譚谭譜谱譯译議议譴谴護护讀读變变讒谗讓让讖谶讚赞豈岂豎竖豐丰豬猪貓猫貝贝" +
        "貞贞負负財财貢贡貧贫貨货販贩貪贪貫贯責责貯贮貳贰貴贵貶贬買买貸贷費费貼贴賀贺賃赁賄贿資资賈贾賊贼賓宾賜赐賞赏賠赔賢贤賣卖賤贱賦赋質质賬账賭赌賴赖賺赚購购賽赛贈赠" +
        "贊赞贍赡贏赢贓赃贖赎贗赝趕赶趙赵趨趋趲趱跡迹踐践踴踊蹤踪躉趸躊踌躋跻躍跃軀躯車车軌轨軍军軒轩軟软軸轴較较載载輒辄輔辅輕轻輛辆輝辉輪轮輯辑輸输輻辐轄辖轅辕轉转轍辙" +
        "轎轿轟轰辦办辭辞辮辫辯辩農农迴回這这連连週周進进遊游運运過过達达違违遙遥遜逊遞递遠远適适遲迟遷迁選选遺遗遼辽邁迈還还邊边郵邮鄉乡鄒邹鄧邓鄭郑鄰邻醃腌醜丑醞酝醫医" +
        "醬酱釀酿釋释釘钉針针釣钓鈍钝鈔钞鈕钮鈞钧鈣钙鈴铃鉅钜鉗钳鉛铅鉤钩銀银銅铜銘铭銜衔銳锐銷销鋁铝鋒锋鋪铺鋸锯鋼钢錄录錐锥錘锤錢钱錦锦錫锡錯错錶表鍊炼鍋锅鍛锻鍥锲鍵键" +
        "鍾钟鎂镁鎊镑鎔熔鎖锁鎬镐鎮镇鏈链鏟铲鏡镜鏽锈鐘钟鐮镰鐲镯鐵铁鑄铸鑑鉴鑒鉴鑰钥鑲镶鑼锣鑿凿長长門门閃闪閉闭開开閒闲間间閘闸閣阁閥阀閨闺閩闽閱阅闆板闊阔闌阑闖闯關关" +
        "闡阐闢辟陘陉陝陕陞升陣阵陰阴陳陈陸陆陽阳隄堤隊队階阶隕陨際际隨随險险隱隐隴陇隸隶隻只雋隽雖虽雙双雛雏雜杂雞鸡離离難难雲云電电霧雾霽霁靂雳靄霭靈灵靜静靦腼鞏巩韆千" +
        "韌韧韓韩韻韵響响頁页頂顶項项順顺須须預预頑顽頒颁頓顿頗颇領领頭头頰颊頸颈頻频顆颗題题額额顎颚顏颜願愿顛颠類类顧顾顫颤顯显風风颱台颳刮颶飓飄飘飛飞飯饭飲饮飽饱飾饰" +
        "餃饺餅饼養养餓饿餘余餚肴館馆餵喂饅馒饌馔饑饥饒饶馬马馮冯馴驯駁驳駐驻駕驾駛驶駝驼駱骆駿骏騎骑騙骗騰腾騷骚驅驱驕骄驗验驚惊驛驿驟骤驢驴骯肮髏髅髒脏體体髮发鬆松鬍胡" +
        "鬚须鬢鬓鬥斗鬧闹鬨哄鬱郁魘魇魚鱼魯鲁魷鱿鮮鲜鯉鲤鯊鲨鯨鲸鯽鲫鱷鳄鳥鸟鳳凤鳴鸣鴉鸦鴨鸭鴻鸿鴿鸽鵝鹅鵬鹏鶯莺鶴鹤鷗鸥鷹鹰鸚鹦鹹咸鹼碱鹽盐麗丽麥麦麩麸麵面麼么麽么黃黄" +
        "點点黨党黲黪黴霉鼴鼹齊齐齋斋齒齿齜龇齡龄齣出龍龙龐庞龕龛龜龟";

    private static readonly char[] Table = Build();

    /// <summary>How many traditional characters the table folds.</summary>
    public static int Count => Pairs.Length / 2;

    /// <summary>The simplified form of <paramref name="c"/>, or <paramref name="c"/> itself.</summary>
    public static char ToSimplified(char c)
    {
        var i = c - First;
        return (uint)i < (uint)Table.Length ? Table[i] : c;
    }

    /// <summary>Every (traditional, simplified) pair, for tests and documentation.</summary>
    public static IEnumerable<(char Traditional, char Simplified)> All()
    {
        for (var i = 0; i < Pairs.Length; i += 2)
        {
            yield return (Pairs[i], Pairs[i + 1]);
        }
    }

    private static char[] Build()
    {
        var table = new char[0x9FFF - First + 1];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (char)(First + i);
        }
        for (var i = 0; i < Pairs.Length; i += 2)
        {
            table[Pairs[i] - First] = Pairs[i + 1];
        }
        return table;
    }
}
