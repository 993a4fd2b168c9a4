/**
 * Reference vocabularies of the synthetic operator: regions and their time zones, tariffs and
 * products, names, interests and the domains that reveal them, devices, partner networks. All
 * invented or public-domain facts (region codes, time zones, OKVED codes, PLMN ids).
 */

export interface Region {
  readonly code: string; // ISO 3166-2
  readonly city: string;
  readonly utcOffset: number; // hours; Russia has no DST since 2014
  readonly weight: number; // share of the population, relative
}

/** At least one region in each of Russia's 11 time zones, UTC+2 (Kaliningrad) … UTC+12 (Kamchatka). */
export const REGIONS: readonly Region[] = [
  { code: 'RU-KGD', city: 'Калининград', utcOffset: 2, weight: 2 },
  { code: 'RU-MOW', city: 'Москва', utcOffset: 3, weight: 30 },
  { code: 'RU-MOS', city: 'Подольск', utcOffset: 3, weight: 12 },
  { code: 'RU-SPE', city: 'Санкт-Петербург', utcOffset: 3, weight: 14 },
  { code: 'RU-KDA', city: 'Краснодар', utcOffset: 3, weight: 8 },
  { code: 'RU-TA', city: 'Казань', utcOffset: 3, weight: 5 },
  { code: 'RU-NIZ', city: 'Нижний Новгород', utcOffset: 3, weight: 4 },
  { code: 'RU-SAM', city: 'Самара', utcOffset: 4, weight: 4 },
  { code: 'RU-UD', city: 'Ижевск', utcOffset: 4, weight: 2 },
  { code: 'RU-SVE', city: 'Екатеринбург', utcOffset: 5, weight: 6 },
  { code: 'RU-BA', city: 'Уфа', utcOffset: 5, weight: 4 },
  { code: 'RU-OMS', city: 'Омск', utcOffset: 6, weight: 2 },
  { code: 'RU-NVS', city: 'Новосибирск', utcOffset: 7, weight: 4 },
  { code: 'RU-KYA', city: 'Красноярск', utcOffset: 7, weight: 3 },
  { code: 'RU-IRK', city: 'Иркутск', utcOffset: 8, weight: 2 },
  { code: 'RU-SA', city: 'Якутск', utcOffset: 9, weight: 1 },
  { code: 'RU-AMU', city: 'Благовещенск', utcOffset: 9, weight: 1 },
  { code: 'RU-PRI', city: 'Владивосток', utcOffset: 10, weight: 2 },
  { code: 'RU-KHA', city: 'Хабаровск', utcOffset: 10, weight: 1 },
  { code: 'RU-MAG', city: 'Магадан', utcOffset: 11, weight: 0.5 },
  { code: 'RU-SAK', city: 'Южно-Сахалинск', utcOffset: 11, weight: 0.7 },
  { code: 'RU-KAM', city: 'Петропавловск-Камчатский', utcOffset: 12, weight: 0.5 },
];
export const REGION_WEIGHTS = REGIONS.map((r) => r.weight);

export interface Tariff {
  readonly id: string;
  readonly name: string;
  readonly planType: 'prepaid' | 'postpaid';
  readonly segment: 'b2c' | 'b2b';
  readonly fee: number;
  readonly dataMb?: number;
  readonly minutes: number;
}

export const TARIFFS: readonly Tariff[] = [
  { id: 'T-PREPAID-BASE', name: 'Базовый', planType: 'prepaid', segment: 'b2c', fee: 0, dataMb: 1024, minutes: 0 },
  { id: 'T-PREPAID-MINI', name: 'Мини', planType: 'prepaid', segment: 'b2c', fee: 350, dataMb: 10_240, minutes: 300 },
  { id: 'T-PREPAID-MAX', name: 'Максимум', planType: 'prepaid', segment: 'b2c', fee: 750, dataMb: 40_960, minutes: 800 },
  { id: 'T-SMART-2024', name: 'Smart 2024', planType: 'postpaid', segment: 'b2c', fee: 650, dataMb: 30_720, minutes: 600 },
  { id: 'T-SMART-PLUS', name: 'Smart Plus', planType: 'postpaid', segment: 'b2c', fee: 950, minutes: 1500 },
  { id: 'T-FAMILY', name: 'Семейный', planType: 'postpaid', segment: 'b2c', fee: 1400, dataMb: 81_920, minutes: 2000 },
  { id: 'T-PREMIUM', name: 'Премиум', planType: 'postpaid', segment: 'b2c', fee: 2900, minutes: 5000 },
  { id: 'T-BIZ-START', name: 'Бизнес Старт', planType: 'postpaid', segment: 'b2b', fee: 450, dataMb: 15_360, minutes: 500 },
  { id: 'T-BIZ-PRO', name: 'Бизнес Про', planType: 'postpaid', segment: 'b2b', fee: 990, minutes: 3000 },
  { id: 'T-BIZ-M2M', name: 'Бизнес M2M', planType: 'postpaid', segment: 'b2b', fee: 120, dataMb: 500, minutes: 0 },
];
export const B2C_PREPAID = [0, 1, 2] as const;
export const B2C_POSTPAID = [3, 4, 6] as const;
export const FAMILY_TARIFF = 5;
export const B2B_TARIFFS = [7, 8, 9] as const;

export const PRODUCTS = [
  { id: 'PO-ROAM-EU-7D', name: 'Роуминг Европа 7 дней', category: 'roaming', type: 'addon', priceType: 'oneTime', price: 990 },
  { id: 'PO-ROAM-WORLD-30D', name: 'Роуминг Мир 30 дней', category: 'roaming', type: 'addon', priceType: 'oneTime', price: 2490 },
  { id: 'PO-DATA-10GB', name: 'Пакет 10 ГБ', category: 'data_addon', type: 'addon', priceType: 'oneTime', price: 350 },
  { id: 'PO-MUSIC', name: 'Музыка без границ', category: 'entertainment', type: 'subscription', priceType: 'recurring', price: 199 },
  { id: 'PO-TV', name: 'Онлайн ТВ', category: 'entertainment', type: 'subscription', priceType: 'recurring', price: 299 },
  { id: 'PO-ANTISPAM', name: 'Защита от спама', category: 'security', type: 'service', priceType: 'recurring', price: 59 },
  { id: 'PO-HOME-BUNDLE', name: 'Дом + мобильный', category: 'convergent', type: 'bundle', priceType: 'recurring', price: 1290 },
  { id: 'PO-PHONE-A54', name: 'Смартфон в рассрочку', category: 'devices', type: 'device', priceType: 'recurring', price: 1490 },
] as const;

export const MALE_FIRST = ['Александр', 'Дмитрий', 'Максим', 'Сергей', 'Андрей', 'Алексей', 'Артём', 'Илья', 'Кирилл', 'Михаил', 'Никита', 'Иван', 'Егор', 'Павел', 'Роман', 'Олег'];
export const FEMALE_FIRST = ['Анна', 'Мария', 'Елена', 'Ольга', 'Наталья', 'Татьяна', 'Ирина', 'Екатерина', 'Светлана', 'Юлия', 'Дарья', 'Анастасия', 'Ксения', 'Полина', 'Виктория', 'Алина'];
/** Male surnames; the female form adds «а» (all end in -ов/-ев/-ин). */
export const SURNAMES = ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров', 'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов', 'Степанов', 'Николаев', 'Орлов', 'Андреев', 'Макаров', 'Никитин', 'Захаров'];

const TRANSLIT: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p',
  р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};
export const translit = (text: string): string =>
  [...text.toLowerCase()].map((c) => TRANSLIT[c] ?? (/[a-z0-9]/.test(c) ? c : '')).join('');

export const EMAIL_DOMAINS = ['mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru', 'list.ru', 'inbox.ru', 'rambler.ru'];

/** The interest taxonomy and the domains whose visits reveal each interest. */
export const INTERESTS: Readonly<Record<string, readonly string[]>> = {
  automotive: ['auto.ru', 'drom.ru', 'drive2.ru', 'autonews.ru'],
  travel: ['tutu.ru', 'aviasales.ru', 'ostrovok.ru', 'booking.com', 'travelata.ru'],
  sports: ['sports.ru', 'championat.com', 'matchtv.ru', 'sport-express.ru'],
  finance: ['banki.ru', 'tinkoff.ru', 'investing.com', 'rbc.ru'],
  gaming: ['steampowered.com', 'twitch.tv', 'igromania.ru', 'cybersport.ru'],
  cooking: ['eda.ru', 'povarenok.ru', 'gastronom.ru'],
  kids: ['detskiy-mir.ru', 'babyblog.ru', 'uchi.ru'],
  fashion: ['lamoda.ru', 'wildberries.ru', 'ozon.ru'],
  technology: ['habr.com', '3dnews.ru', 'ixbt.com', 'dns-shop.ru'],
  real_estate: ['cian.ru', 'avito.ru', 'domclick.ru'],
  health: ['apteka.ru', 'zdravcity.ru', 'sberhealth.ru'],
  music: ['music.yandex.ru', 'zvuk.com', 'genius.com'],
};
export const INTEREST_NAMES = Object.keys(INTERESTS);
export const GENERIC_DOMAINS = ['yandex.ru', 'vk.com', 'mail.ru', 'telegram.org', 'youtube.com', 'dzen.ru', 'ria.ru', 'gosuslugi.ru', 'sberbank.ru', 'whatsapp.net'];

/** Type allocation codes (the first 8 IMEI digits) of common handsets, with their OS. */
export const DEVICE_MODELS = [
  { tac: '35693803', os: 'android' },
  { tac: '35332811', os: 'ios' },
  { tac: '35391110', os: 'ios' },
  { tac: '86769104', os: 'android' },
  { tac: '35460711', os: 'android' },
  { tac: '86220005', os: 'android' },
  { tac: '35407115', os: 'ios' },
  { tac: '86891404', os: 'harmonyos' },
] as const;

export const HOME_PLMN = '25001';
export const COMPETITORS = ['MegaFon', 'Beeline', 'Tele2', 'Yota'];
/** DEF codes of our own numbers, and those of numbers ported in from competitors. */
export const OWN_DEF_CODES = [910, 911, 912, 913, 914, 915, 916, 917, 918, 919, 980, 981, 982, 983, 984, 985, 986, 988, 989];
export const FOREIGN_DEF_CODES = [903, 905, 906, 909, 920, 921, 925, 926, 929, 950, 951, 952, 977];

export const ROAMING_COUNTRIES = [
  { country: 'TR', plmn: '28601', weight: 30 },
  { country: 'AE', plmn: '42402', weight: 12 },
  { country: 'TH', plmn: '52001', weight: 10 },
  { country: 'EG', plmn: '60202', weight: 10 },
  { country: 'AM', plmn: '28301', weight: 8 },
  { country: 'GE', plmn: '28201', weight: 8 },
  { country: 'KZ', plmn: '40101', weight: 8 },
  { country: 'CN', plmn: '46000', weight: 6 },
  { country: 'DE', plmn: '26201', weight: 4 },
  { country: 'GB', plmn: '23415', weight: 4 },
];

export const OKVED = ['47.11', '62.01', '41.20', '49.41', '46.90', '56.10', '86.10', '85.14', '68.20', '10.71', '25.62', '69.20'];
export const OKVED_INDUSTRY: Readonly<Record<string, string>> = {
  '47.11': 'retail', '62.01': 'software', '41.20': 'construction', '49.41': 'logistics', '46.90': 'wholesale', '56.10': 'restaurants',
  '86.10': 'healthcare', '85.14': 'education', '68.20': 'real estate', '10.71': 'food production', '25.62': 'manufacturing', '69.20': 'accounting',
};
export const ORG_WORDS = ['Ромашка', 'Вектор', 'Север', 'Гранит', 'Альфа', 'Меридиан', 'Сфера', 'Восход', 'Прогресс', 'Техно', 'Стройинвест', 'Логос', 'Орбита', 'Кедр', 'Импульс', 'Радуга'];
export const ORG_SLUGS: Readonly<Record<string, string>> = Object.fromEntries(ORG_WORDS.map((w) => [w, translit(w)]));

export const CASE_CATEGORIES = [
  { category: 'billing', subcategories: ['wrong_charge', 'bill_question', 'refund'] },
  { category: 'network_quality', subcategories: ['no_data_indoors', 'dropped_calls', 'slow_data'] },
  { category: 'roaming', subcategories: ['no_service_abroad', 'roaming_charges'] },
  { category: 'tariff', subcategories: ['tariff_question', 'tariff_change_failed'] },
  { category: 'device', subcategories: ['esim_setup', 'sim_not_working'] },
] as const;

export const APP_ACTIONS = [
  { action: 'balance_viewed', screen: 'home' },
  { action: 'tariff_viewed', screen: 'tariffs' },
  { action: 'offer_tapped', screen: 'home' },
  { action: 'addon_purchased', screen: 'shop' },
  { action: 'usage_viewed', screen: 'usage' },
  { action: 'support_chat_opened', screen: 'support' },
  { action: 'roaming_viewed', screen: 'roaming' },
] as const;

export const WEB_PAGES = [
  { path: '/tariffs', title: 'Тарифы', name: 'Tariffs' },
  { path: '/roaming', title: 'Роуминг', name: 'Roaming' },
  { path: '/devices', title: 'Смартфоны', name: 'Devices' },
  { path: '/support', title: 'Помощь', name: 'Support' },
  { path: '/esim', title: 'eSIM', name: 'eSIM' },
] as const;

/**
 * Share of a day's activity in each local hour (0–23): quiet at night, a morning rise, a lunch
 * plateau and an evening peak. Normalised to sum to 1.
 */
const RAW_DIURNAL = [0.6, 0.35, 0.2, 0.15, 0.15, 0.3, 0.8, 2.0, 3.4, 4.2, 4.6, 4.8, 5.2, 5.2, 4.9, 4.8, 4.9, 5.3, 6.0, 6.8, 7.2, 6.6, 4.6, 2.0];
const DIURNAL_SUM = RAW_DIURNAL.reduce((a, b) => a + b, 0);
export const DIURNAL: readonly number[] = RAW_DIURNAL.map((v) => v / DIURNAL_SUM);
