export interface Post {
  id: number;
  slug: string;
  title: string;
  keywords: string[];
  publishedAt: Date;
}

export type PostChanges = Partial<Pick<Post, 'title' | 'keywords'>>;
