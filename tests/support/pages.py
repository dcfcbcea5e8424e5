"""News pages and feeds in many languages and legacy encodings, built as bytes for ingest tests and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

# Per language: (site name, headline, paragraphs, chrome words). The text is written for these fixtures.
TEXTS: dict[str, tuple[str, str, list[str], list[str]]] = {
    "de": (
        "Backen macht glücklich",
        "Regierung beschließt fast vollständig neue Regeln für Bäcker",
        [
            "Die Bundesregierung hat am Mittwoch ein Gesetz beschlossen, das die Ausbildung von Bäckern und "
            "Konditoren grundlegend verändert. Künftig sollen Lehrlinge mehr Zeit in der Backstube verbringen.",
            "Der Zentralverband begrüßte die Pläne, äußerte aber Zweifel an der Finanzierung. Gerade kleine "
            "Betriebe in ländlichen Gegenden könnten die zusätzlichen Kosten kaum allein tragen, hieß es.",
            "Über die Einzelheiten soll im Herbst im Bundestag beraten werden. Die Länder müssen dem Gesetz "
            "ebenfalls zustimmen, bevor es zum Beginn des nächsten Ausbildungsjahres in Kraft treten kann.",
        ],
        ["Startseite", "Politik", "Wirtschaft", "Impressum"],
    ),
    "pl": (
        "Gazeta Codzienna",
        "Sejm zagłosował nad ustawą o ochronie środowiska",
        [
            "Posłowie przyjęli w środę ustawę, która zaostrza przepisy dotyczące zanieczyszczenia powietrza w "
            "dużych miastach. Za głosowało dwustu czterdziestu posłów, przeciw było stu dwudziestu.",
            "Minister środowiska zapowiedział, że pierwsze zmiany odczują mieszkańcy już od przyszłego roku. "
            "Samorządy otrzymają dodatkowe środki na wymianę starych pieców węglowych.",
            "Opozycja krytykuje tempo prac nad ustawą i zapowiada złożenie poprawek w Senacie. Eksperci "
            "zwracają uwagę, że część przepisów może być trudna do wyegzekwowania w małych gminach.",
        ],
        ["Strona główna", "Kraj", "Świat", "Kontakt"],
    ),
    "cs": (
        "Denní zprávy",
        "Vláda schválila nový rozpočet na příští rok",
        [
            "Vláda ve středu schválila návrh státního rozpočtu, který počítá s nižším schodkem než letos. "
            "Ministr financí uvedl, že úspory přinese především omezení provozních výdajů ministerstev.",
            "Opoziční strany návrh kritizují a tvrdí, že škrty dopadnou hlavně na školství a zdravotnictví. "
            "Sněmovna bude o rozpočtu poprvé jednat na začátku října.",
            "Ekonomové upozorňují, že skutečný výsledek bude záviset na vývoji inflace a na tom, jak rychle se "
            "podaří oživit průmyslovou výrobu, která letos výrazně zpomalila.",
        ],
        ["Úvod", "Domácí", "Zahraničí", "Kontakt"],
    ),
    "zh": (
        "新华网",
        "国务院常务会议部署进一步做好稳就业工作",
        [
            "国务院总理周三主持召开国务院常务会议，部署进一步做好稳就业工作，要求各地加大对中小企业的支持力度，"
            "帮助高校毕业生和农民工等重点群体实现就业。",
            "会议指出，当前就业形势总体稳定，但结构性矛盾依然突出。各部门要加强协调，落实减税降费政策，"
            "为企业减轻负担，鼓励企业稳定和扩大就业岗位。",
            "会议还研究了其他事项。专家认为，这些措施将有助于稳定市场预期，增强经济发展的内生动力，"
            "为实现全年经济社会发展目标提供有力支撑。",
        ],
        ["首页", "时政", "国际", "财经"],
    ),
    "ru": (
        "Вечерние новости",
        "Президент заявил о продолжении переговоров на следующей неделе",
        [
            "Президент в среду заявил журналистам, что переговоры о новом торговом соглашении продолжатся на "
            "следующей неделе в Москве. По его словам, стороны уже согласовали большинство пунктов документа.",
            "Министр экономического развития отметил, что соглашение позволит увеличить товарооборот между "
            "странами почти вдвое в течение ближайших пяти лет.",
            "Эксперты считают, что главным препятствием остаются разногласия по поводу пошлин на "
            "сельскохозяйственную продукцию, которые пока не удалось устранить.",
        ],
        ["Главная", "Политика", "Экономика", "Контакты"],
    ),
    "uk": (
        "Щоденні новини",
        "Уряд ухвалив програму відновлення зруйнованих шкіл",
        [
            "Кабінет міністрів у середу ухвалив програму відновлення шкіл, пошкоджених під час обстрілів. "
            "Перші роботи мають розпочатися вже навесні в кількох областях на сході країни.",
            "Міністр освіти повідомив, що на програму виділять кошти з державного бюджету та від міжнародних "
            "партнерів. Особливу увагу приділять укриттям для учнів і вчителів.",
            "Місцеві громади вітають рішення, але наголошують, що потреби значно перевищують виділені суми, "
            "тому частину шкіл доведеться відбудовувати пізніше.",
        ],
        ["Головна", "Політика", "Економіка", "Контакти"],
    ),
    "ja": (
        "毎日ニュース",
        "東京都が新しい交通計画を発表",
        [
            "東京都は水曜日、都心の渋滞を減らすための新しい交通計画を発表した。計画では、二〇三〇年までに"
            "バスの路線を大幅に増やし、自転車専用道路を整備するとしている。",
            "知事は記者会見で、市民の生活に大きな影響があることを認めたうえで、環境への負担を減らすためには"
            "避けて通れない改革だと強調した。",
            "一方、商店街の関係者からは、車で来る客が減れば売り上げが落ちるのではないかと心配する声も"
            "上がっている。都は来月から説明会を開く予定だ。",
        ],
        ["ホーム", "政治", "経済", "国際"],
    ),
    "th": (
        "ข่าวประจำวัน",
        "รัฐบาลประกาศมาตรการช่วยเหลือเกษตรกรจากภัยแล้ง",
        [
            "รัฐบาลไทยประกาศมาตรการใหม่เพื่อช่วยเหลือเกษตรกรที่ได้รับผลกระทบจากภัยแล้งในปีนี้ "
            "โดยจะจ่ายเงินชดเชยให้แก่ครัวเรือนที่เสียหายในภาคตะวันออกเฉียงเหนือ",
            "รัฐมนตรีว่าการกระทรวงเกษตรกล่าวว่าจะเร่งขุดบ่อน้ำและสร้างระบบชลประทานขนาดเล็ก "
            "ในหมู่บ้านที่ขาดแคลนน้ำมากที่สุดภายในสามเดือนข้างหน้า",
            "นักวิชาการเห็นว่ามาตรการดังกล่าวเป็นเพียงการแก้ปัญหาระยะสั้น "
            "และรัฐบาลควรวางแผนการจัดการน้ำในระยะยาวควบคู่กันไปด้วย",
        ],
        ["หน้าแรก", "การเมือง", "เศรษฐกิจ", "ติดต่อเรา"],
    ),
    "ko": (
        "매일뉴스",
        "정부, 새로운 경제 정책 발표",
        [
            "정부는 수요일 중소기업 지원과 일자리 창출을 위한 새로운 경제 정책을 발표했다. 정책에는 세금 감면과 "
            "저금리 대출 확대가 포함됐다.",
            "경제부총리는 기자회견에서 이번 정책이 내수 회복에 도움이 될 것이라고 밝혔다. 시장은 발표 직후 "
            "긍정적으로 반응했다.",
            "그러나 일부 전문가들은 재정 부담이 커질 수 있다며 신중한 집행이 필요하다고 지적했다.",
        ],
        ["홈", "정치", "경제", "국제"],
    ),
    "el": (
        "Καθημερινά Νέα",
        "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία",
        [
            "Η κυβέρνηση ανακοίνωσε την Τετάρτη νέα μέτρα για τη στήριξη των μικρών επιχειρήσεων και των "
            "νοικοκυριών που πλήττονται από την άνοδο των τιμών της ενέργειας.",
            "Ο υπουργός Οικονομικών δήλωσε ότι το κόστος των μέτρων θα καλυφθεί από τα υψηλότερα φορολογικά "
            "έσοδα του πρώτου εξαμήνου, χωρίς να επιβαρυνθεί ο προϋπολογισμός.",
            "Η αντιπολίτευση χαρακτήρισε τα μέτρα ανεπαρκή και ζήτησε μόνιμη μείωση του φόρου στα καύσιμα.",
        ],
        ["Αρχική", "Πολιτική", "Οικονομία", "Επικοινωνία"],
    ),
    "tr": (
        "Günlük Haber",
        "Hükümet ekonomiyi desteklemek için yeni önlemler açıkladı",
        [
            "Hükümet çarşamba günü küçük işletmeleri ve çiftçileri desteklemek için yeni bir önlem paketi açıkladı. "
            "Paket, düşük faizli krediler ve vergi indirimlerini içeriyor.",
            "Maliye bakanı, önlemlerin enflasyonu artırmadan büyümeyi destekleyeceğini söyledi. İşçi "
            "sendikaları ise asgari ücretin de yükseltilmesi gerektiğini belirtti.",
            "Ekonomistler, paketin etkisinin önümüzdeki aylarda açıklanacak verilerle daha net görüleceğini "
            "düşünüyor.",
        ],
        ["Anasayfa", "Gündem", "Ekonomi", "İletişim"],
    ),
    "fr": (
        "Le Quotidien",
        "Le gouvernement présente un plan pour les hôpitaux",
        [
            "Le gouvernement a présenté mercredi un plan de plusieurs milliards d'euros destiné à moderniser les "
            "hôpitaux publics et à recruter des infirmières dans les régions les plus touchées par la pénurie.",
            "La ministre de la Santé a déclaré que les premières mesures entreraient en vigueur dès le mois "
            "prochain. Les syndicats saluent un geste important mais jugent l'effort encore insuffisant.",
            "Le plan sera débattu à l'Assemblée nationale à l'automne, où l'opposition promet de déposer de "
            "nombreux amendements sur le financement des mesures.",
        ],
        ["Accueil", "Politique", "Économie", "Contact"],
    ),
    "es": (
        "El Diario",
        "El Gobierno aprueba una reforma de las pensiones",
        [
            "El Consejo de Ministros aprobó el martes una reforma del sistema de pensiones que eleva las "
            "cotizaciones de los salarios más altos para garantizar la sostenibilidad del sistema público.",
            "La ministra de Seguridad Social aseguró que la medida afectará a menos del diez por ciento de los "
            "trabajadores. Los sindicatos han respaldado el acuerdo, mientras que la patronal lo rechaza.",
            "La reforma deberá ser convalidada por el Congreso en el plazo de un mes, donde el Gobierno necesita "
            "el apoyo de sus socios parlamentarios.",
        ],
        ["Inicio", "España", "Internacional", "Economía"],
    ),
    "pt": (
        "Jornal do Dia",
        "Governo anuncia investimento em escolas públicas",
        [
            "O governo anunciou na quarta-feira um investimento de vários milhões de euros para renovar escolas "
            "públicas em todo o país, com prioridade para os edifícios mais antigos do interior.",
            "O ministro da Educação afirmou que as obras começarão no próximo verão, durante as férias escolares, "
            "para não perturbar as aulas. Os sindicatos de professores receberam a notícia com cautela.",
            "A oposição considera o plano insuficiente e exige também a contratação de mais auxiliares.",
        ],
        ["Início", "País", "Mundo", "Economia"],
    ),
    "it": (
        "Il Giornale di Oggi",
        "Il governo approva il piano per le infrastrutture",
        [
            "Il Consiglio dei ministri ha approvato mercoledì un piano per le infrastrutture che prevede nuovi "
            "investimenti nelle ferrovie regionali e nella manutenzione di ponti e strade del Mezzogiorno.",
            "Il ministro dei Trasporti ha spiegato che i primi cantieri apriranno entro la fine dell'anno. Le "
            "regioni hanno chiesto di essere coinvolte nella scelta delle opere prioritarie.",
            "Secondo gli economisti, il piano potrà creare migliaia di posti di lavoro se i fondi verranno spesi "
            "nei tempi previsti.",
        ],
        ["Home", "Politica", "Economia", "Contatti"],
    ),
    "en": (
        "The Daily Ledger",
        "City council approves new housing plan",
        [
            "The city council on Wednesday approved a housing plan that will allow thousands of new flats to be "
            "built near railway stations over the next decade, after months of heated debate.",
            "The mayor said the plan was the only way to bring rents down. Residents' groups warned that "
            "schools and doctors' surgeries in the affected districts were already overstretched.",
            "Construction on the first sites is expected to begin next spring, subject to final approval of "
            "the detailed designs.",
        ],
        ["Home", "News", "Sport", "Contact"],
    ),
    "ar": (
        "الأخبار اليومية",
        "الحكومة تعلن إجراءات جديدة لدعم الاقتصاد",
        [
            "أعلنت الحكومة يوم الأربعاء عن حزمة إجراءات جديدة لدعم الاقتصاد الوطني ومساعدة الشركات الصغيرة على "
            "مواجهة ارتفاع الأسعار.",
            "وقال وزير المالية إن الإجراءات تشمل قروضا ميسرة وتخفيضات ضريبية للقطاعات الأكثر تضررا خلال العام.",
            "ويرى خبراء أن نجاح هذه الخطة يعتمد على سرعة تنفيذها وعلى استقرار أسعار الطاقة في الأشهر المقبلة.",
        ],
        ["الرئيسية", "سياسة", "اقتصاد", "اتصل بنا"],
    ),
    "he": (
        "חדשות היום",
        "הממשלה הודיעה על צעדים חדשים לתמיכה בכלכלה",
        [
            "הממשלה הודיעה ביום רביעי על חבילת צעדים חדשה לתמיכה בעסקים קטנים ובמשפחות שנפגעו מעליית המחירים "
            "בחודשים האחרונים.",
            "שר האוצר אמר כי הצעדים כוללים הלוואות בריבית נמוכה והפחתת מסים זמנית לענפים שנפגעו במיוחד.",
            "כלכלנים מעריכים כי השפעת התוכנית תלויה בקצב היישום שלה ובהתפתחות מחירי האנרגיה בעולם.",
        ],
        ["ראשי", "פוליטיקה", "כלכלה", "צור קשר"],
    ),
}

# Title tag patterns: how sites put their name beside the headline.
TITLE_PATTERNS = (
    "{h} | {s}",
    "{h} - {s}",
    "{h} – {s}",
    "{s}: {h}",
    "{h} — {s}",
    "{h} | Politik | {s}",
    "{h}",
)


@dataclass(frozen=True)
class Page:
    """One built page: its bytes, what a reader should get from it, and how it was encoded."""

    name: str
    lang: str
    codec: str
    declared: str  # meta | http-equiv | xml | none
    data: bytes
    headline: str
    paragraphs: tuple[str, ...]
    site: str
    content_type: str | None = None  # what a server would send, when the charset is declared in HTTP


def page_html(lang: str, title_tag: str, *, meta: str = "", og: bool = True, h1: bool = True) -> str:
    """A news page with chrome (header, menu, related links, footer) around one article."""
    site, headline, paragraphs, chrome = TEXTS[lang]
    host = f"www.{lang}-news.example"
    og_tags = (
        f'<meta property="og:site_name" content="{escape(site)}">'
        f'<meta property="og:title" content="{escape(headline)}">'
        if og
        else ""
    )
    nav = "".join(f'<li><a href="/{i}">{escape(w)}</a></li>' for i, w in enumerate(chrome))
    related = "".join(
        f'<li><a href="/r{i}">{escape(w)} {escape(site)}</a></li>' for i, w in enumerate(chrome)
    )
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    heading = f"<h1>{escape(headline)}</h1>" if h1 else ""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{escape(title_tag)}</title>{og_tags}'
        f'<link rel="canonical" href="https://{host}/2026/11/article.html"></head><body>'
        f'<header><div class="logo">{escape(site)}</div><nav><ul>{nav}</ul></nav></header>'
        f'<main><article>{heading}<p class="byline">2026-11-25</p>{body}</article>'
        f"<aside><ul>{related}</ul></aside></main>"
        f"<footer><p>(c) 2026 {escape(site)}. {escape(chrome[-1])}</p></footer></body></html>"
    )


def _meta(label: str, declared: str) -> str:
    if declared == "meta":
        return f'<meta charset="{label}">'
    if declared == "http-equiv":
        return f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
    return ""


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def build_page(lang: str, codec: str, label: str, declared: str, pattern: str = "{h} | {s}") -> Page:
    """A page in `lang` encoded with `codec`, its charset `label` declared as `declared` says."""
    site, headline, paragraphs, _ = TEXTS[lang]
    if not codec.startswith("utf") and not _encodable(pattern, codec):
        pattern = pattern.replace("–", "-").replace("—", "-")
    title_tag = pattern.format(h=headline, s=site)
    html = page_html(lang, title_tag, meta=_meta(label, declared), og=pattern == "{h}")
    if declared == "xml":
        html = f'<?xml version="1.0" encoding="{label}"?>\n' + html
    data = html.encode(codec)  # "utf-16" writes its byte-order mark
    content_type = f"text/html; charset={label}" if declared == "http" else None
    name = f"{lang}-{label}-{declared}.html"
    return Page(name, lang, codec, declared, data, headline, tuple(paragraphs), site, content_type)


# (language, Python codec, declared label) for the pages and feeds the tests and benchmark build.
ENCODINGS = [
    ("de", "latin-1", "iso-8859-1"),
    ("de", "cp1252", "windows-1252"),
    ("fr", "latin-1", "iso-8859-1"),
    ("es", "latin-1", "iso-8859-1"),
    ("pt", "latin-1", "iso-8859-1"),
    ("it", "cp1252", "windows-1252"),
    ("pl", "cp1250", "windows-1250"),
    ("cs", "cp1250", "windows-1250"),
    ("pl", "iso-8859-2", "iso-8859-2"),
    ("zh", "gb2312", "gb2312"),
    ("zh", "gb18030", "gbk"),
    ("ru", "koi8-r", "koi8-r"),
    ("ru", "cp1251", "windows-1251"),
    ("uk", "cp1251", "windows-1251"),
    ("uk", "koi8-u", "koi8-u"),
    ("ja", "euc-jp", "euc-jp"),
    ("ja", "shift_jis", "shift_jis"),
    ("th", "tis-620", "tis-620"),
    ("ko", "euc-kr", "euc-kr"),
    ("el", "iso-8859-7", "iso-8859-7"),
    ("tr", "iso-8859-9", "iso-8859-9"),
    ("ar", "cp1256", "windows-1256"),
    ("he", "cp1255", "windows-1255"),
    ("en", "utf-8", "utf-8"),
    ("de", "utf-8", "utf-8"),
    ("zh", "utf-8", "utf-8"),
    ("en", "utf-16", "utf-16"),
    ("ja", "utf-16", "utf-16"),
]
DECLARATIONS = ("meta", "http-equiv", "none")


def all_pages() -> list[Page]:
    """Every language/encoding pair, declared and undeclared, with the title patterns in turn."""
    pages = []
    for i, (lang, codec, label) in enumerate(ENCODINGS):
        for j, declared in enumerate(DECLARATIONS):
            pattern = TITLE_PATTERNS[(i + j) % len(TITLE_PATTERNS)]
            pages.append(build_page(lang, codec, label, declared, pattern))
    return pages


def build_feed(lang: str, codec: str, label: str, declared: bool, items: int = 2) -> bytes:
    """An RSS feed in `lang` encoded with `codec`; the XML declaration names `label` only when `declared`."""
    site, headline, paragraphs, _ = TEXTS[lang]
    decl = f'<?xml version="1.0" encoding="{label}"?>' if declared else '<?xml version="1.0"?>'
    entries = "".join(
        f"<item><title>{escape(headline)} {n}</title><link>https://{lang}.example/{n}</link>"
        f"<description>{escape('<p>' + paragraphs[n % 3] + '</p><p>' + paragraphs[(n + 1) % 3] + '</p>')}"
        f"</description><pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate></item>"
        for n in range(1, items + 1)
    )
    xml = (
        f'{decl}\n<rss version="2.0"><channel><title>{escape(site)}</title>'
        f"<link>https://{lang}.example/</link><language>{lang}</language>{entries}</channel></rss>"
    )
    return xml.encode(codec)
